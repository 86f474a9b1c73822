namespace EdgeInspect.Core.Inspection;

/// <summary>
/// An inspector that answers from ground-truth labels, wrong with a configured probability and after a human-like
/// delay, so agreement statistics in the demo, replay and tests mean something.
/// </summary>
/// <remarks>
/// Answers come in part order (FIFO) through <see cref="IInspectorInput.Presses"/>, like a real inspector's on a
/// conveyor. The random answers come from a seeded <see cref="Random"/>, so a run is reproducible. Delays are run by
/// the <see cref="TimeProvider"/>, so a fake clock drives them in tests and replays.
/// Threading: <see cref="Present"/>, <see cref="ErrorRate"/> and <see cref="UnsureRate"/> may be used from any thread.
/// </remarks>
public sealed class ScriptedInspector : InspectorInputBase, IPartPresenter
{
    private readonly TimeProvider _time;
    private readonly string _position;
    private readonly Random _random;
    private readonly TimeSpan _responseDelay;
    private readonly TimeSpan _responseJitter;
    private readonly Queue<(long Due, Verdict Answer)> _pending = new();
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private double _errorRate;
    private double _unsureRate;
    private long _lastDue = long.MinValue;
    private bool _started;

    public ScriptedInspector(ScriptedInspectorOptions options, string position, InspectorRoster roster, TimeProvider time)
        : base(roster)
    {
        _time = time;
        _position = position;
        _random = new Random(options.Seed);
        _responseDelay = options.ResponseDelay;
        _responseJitter = options.ResponseJitter;
        ErrorRate = options.ErrorRate;
        UnsureRate = options.UnsureRate;
        _timer = time.CreateTimer(static s => ((ScriptedInspector)s!).PublishDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Builds one from a station's options: its position, its id on the roster.</summary>
    public static ScriptedInspector Create(InspectorOptions options, TimeProvider time)
    {
        var scripted = options.Scripted;
        var position = scripted.Position.Length > 0 ? scripted.Position
            : options.Positions.Count > 0 ? options.Positions[0].Name : "scripted";
        var roster = InspectorRoster.From(options);
        if (!roster.Positions.Contains(position))
        {
            roster = new InspectorRoster([.. options.Positions.Select(p => (p.Name, p.InspectorId)), (position, scripted.InspectorId)]);
        }
        else if (roster.At(position).Length == 0)
        {
            roster.TrySet(position, scripted.InspectorId);
        }

        return new ScriptedInspector(scripted, position, roster, time);
    }

    public override string BackendName => "scripted";

    /// <summary>Probability of a wrong pass/fail answer. Changeable at runtime (drift tests and the demo raise it).</summary>
    public double ErrorRate
    {
        get => Volatile.Read(ref _errorRate);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1);
            Volatile.Write(ref _errorRate, value);
        }
    }

    /// <summary>Probability of answering unsure instead of pass or fail.</summary>
    public double UnsureRate
    {
        get => Volatile.Read(ref _unsureRate);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1);
            Volatile.Write(ref _unsureRate, value);
        }
    }

    /// <summary>
    /// Shows the inspector a part. The answer is pressed after the response delay (plus jitter) counted from
    /// <paramref name="monotonicTimestamp"/>, and never before the answer to an earlier part.
    /// </summary>
    /// <param name="partId">The part, for the caller's logs; answers are matched to parts by order, like a human's.</param>
    /// <param name="groundTruth">The label; <see cref="Verdict.Unsure"/> is answered unsure.</param>
    /// <param name="monotonicTimestamp">When the part was presented, in <see cref="TimeProvider.GetTimestamp"/> units.</param>
    public void Present(string partId, Verdict groundTruth, long monotonicTimestamp)
    {
        ArgumentNullException.ThrowIfNull(partId);
        lock (_gate)
        {
            var answer = Answer(groundTruth);
            var delay = _responseDelay + _responseJitter * _random.NextDouble();
            var due = Math.Max(monotonicTimestamp + ToTimestampTicks(delay), _lastDue);
            _lastDue = due;
            _pending.Enqueue((due, answer));
            if (_started)
            {
                PublishDueLocked();
            }
        }
    }

    protected override void OnStart()
    {
        lock (_gate)
        {
            _started = true;
            PublishDueLocked();
        }
    }

    protected override void OnDisposed()
    {
        _timer.Dispose();
    }

    private Verdict Answer(Verdict groundTruth)
    {
        // Two draws per part whatever the outcome, so changing one rate does not reshuffle the other's sequence.
        var unsureDraw = _random.NextDouble();
        var errorDraw = _random.NextDouble();
        if (groundTruth == Verdict.Unsure || unsureDraw < UnsureRate)
        {
            return Verdict.Unsure;
        }

        if (errorDraw < ErrorRate)
        {
            return groundTruth == Verdict.Pass ? Verdict.Fail : Verdict.Pass;
        }

        return groundTruth;
    }

    private void PublishDue()
    {
        lock (_gate)
        {
            PublishDueLocked();
        }
    }

    private void PublishDueLocked()
    {
        if (Stopping.IsCancellationRequested)
        {
            return;
        }

        var now = _time.GetTimestamp();
        while (_pending.TryPeek(out var next) && next.Due <= now)
        {
            _pending.Dequeue();
            Publish(_position, next.Answer, next.Due);
        }

        if (_pending.TryPeek(out var head))
        {
            _timer.Change(_time.GetElapsedTime(now, head.Due), Timeout.InfiniteTimeSpan);
        }
    }

    private long ToTimestampTicks(TimeSpan span) =>
        (long)(span.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
}
