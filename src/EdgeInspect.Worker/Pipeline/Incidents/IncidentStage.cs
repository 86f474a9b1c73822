using System.Threading.Channels;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Output;
using EdgeInspect.Worker.Pipeline.Quality;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Pipeline.Incidents;

/// <summary>
/// Incidents: groups the alert transitions one change causes into one incident, diagnoses it (docs/drift.md), publishes
/// it raised, updated and cleared, and asks control to fall back to shadow when its diagnosis is one the promotion
/// policy lists.
/// </summary>
/// <remarks>
/// <para>Owns: the <see cref="IncidentEngine"/>, fed on this stage's one loop, and the fall-back rule on diagnoses.
/// Reads one queue of typed <see cref="IncidentInput"/>s: quality's transitions with the monitor's evidence (quality
/// waits for room, so back-pressure reaches it as for its other writes), the passing of frame time, capture's alerts
/// and the restart of the detectors (both never wait: capture's thread and a command must not be held up; a full
/// queue drops and counts them in <c>pipeline.drops.incident_inputs</c>).</para>
/// <para>No lock is held here while waiting: the engine's own lock covers only its computation, and the events it
/// returns are written to the output queue and control's queue outside it. The engine's clock is the frames' capture
/// time (and capture's event times), never the time this stage reads them, so a queue that backs up does not move an
/// incident. A replay captures faster than the line, so its time windows (grouping, update interval) span more frames.</para>
/// <para>Detector generations: a promote or rollback replaces the drift monitor, whose alerts then can never clear.
/// Each quality message carries the generation of the monitor that produced it; a newer one restarts the engine's
/// drift members (as does control's <see cref="DetectorsReplaced"/>), and transitions of an older one that were still
/// on their way are ignored (counted in <c>incidents.ignored_transitions</c>).</para>
/// </remarks>
public sealed class IncidentStage : IMetricsSource
{
    /// <summary>Room for quality's messages and capture's alerts: capture's must fit when quality waits on a full output queue.</summary>
    public const int QueueCapacity = 256;

    /// <summary>Quality hands on the passing of frame time at most this often (the engine publishes held-back updates on it).</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<IncidentInput> _input = Channel.CreateBounded<IncidentInput>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private readonly IncidentEngine _engine;
    private readonly AutomationState _state;
    private readonly OutputStage _output;
    private readonly string _cameraId;
    private readonly ILogger _logger;
    private readonly List<IncidentEvent> _events = [];
    private PromotionGate _gate;
    private long _generation = 1;
    private long _dropped;
    private long _ignored;
    private long _published;
    private long _fallbacks;
    private long _lastSeq;
    private DateTimeOffset? _lastAt;

    public IncidentStage(AutomationState state, PromotionOptions promotion, MonitoringOptions monitoring, CaptureOptions capture, OutputStage output,
        ILogger<IncidentStage> logger)
    {
        _state = state;
        _output = output;
        _cameraId = capture.CameraId;
        _logger = logger;
        _gate = new PromotionGate(promotion);
        _engine = new IncidentEngine(monitoring.Incidents);
    }

    /// <summary>Quality hands its transitions and the passing of frame time on to here (waiting for room).</summary>
    public ChannelWriter<IncidentInput> Input => _input.Writer;

    /// <summary>Incidents raised since the station started.</summary>
    public long Raised => _engine.IncidentsRaised;

    /// <summary>The open incidents as they stand; safe from any thread (a dashboard, a command).</summary>
    public IReadOnlyList<Incident> OpenIncidents() => _engine.GetOpenIncidents();

    /// <summary>
    /// A capture event: frozen stream, camera down and their recoveries become members of an incident. Never waits
    /// (the capture thread calls it); false, and counted, when the queue is full or the stage has stopped.
    /// </summary>
    public bool ObserveCapture(CaptureEvent captureEvent)
    {
        ArgumentNullException.ThrowIfNull(captureEvent);
        if (captureEvent.Kind is not (CaptureEventKind.FrozenStream or CaptureEventKind.FrozenStreamCleared or CaptureEventKind.CameraDown or CaptureEventKind.CameraRecovered))
        {
            return false;
        }

        return Offer(new CaptureObserved(captureEvent));
    }

    /// <summary>Control replaced the drift monitor (promote, rollback) as <paramref name="generation"/>; never waits.</summary>
    public bool DetectorsReplaced(long generation, DateTimeOffset at) => Offer(new DetectorsReplaced(generation, at));

    /// <summary>A reloaded promotion section: the fall-back rule's diagnoses. Takes effect at the next incident event.</summary>
    public void Reload(PromotionOptions promotion) => Volatile.Write(ref _gate, new PromotionGate(promotion));

    /// <summary>Feeds the engine and publishes its events until quality completes the queue; then completes control's.</summary>
    public async Task RunAsync(ChannelWriter<StationAction> control)
    {
        try
        {
            await foreach (var input in _input.Reader.ReadAllAsync(CancellationToken.None))
            {
                try
                {
                    Feed(input);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    _logger.LogError(e, "The incident engine failed on {Input}; the station goes on", input.GetType().Name);
                }

                await PublishAsync(control);
            }

            // The station stops: an open incident's held-back changes go out, so its retained state is its last one.
            if (_lastAt is { } last)
            {
                _engine.FlushUpdates(last);
                await PublishAsync(control);
            }
        }
        finally
        {
            control.TryComplete();
        }
    }

    private async Task PublishAsync(ChannelWriter<StationAction> control)
    {
        _events.Clear();
        _engine.DrainEvents(_events);
        foreach (var incident in _events)
        {
            // Outside any lock from here: these writes may wait for room.
            Interlocked.Increment(ref _published);
            await _output.WriteAsync(StationOutput.Of(incident));
            if (Volatile.Read(ref _gate).FallbackFor(incident, _state.Mode) is { } fallback)
            {
                Interlocked.Increment(ref _fallbacks);
                await control.WriteAsync(new FallBackOnIncident(fallback.IncidentId, fallback.Diagnosis, fallback.Reason));
            }
        }
    }

    public void WriteTo(IDictionary<string, double> values)
    {
        values["incidents.raised"] = _engine.IncidentsRaised;
        values["incidents.open"] = _engine.GetOpenIncidents().Count;
        values["incidents.messages"] = Interlocked.Read(ref _published);
        values["incidents.fallbacks"] = Interlocked.Read(ref _fallbacks);
        values["incidents.ignored_transitions"] = Interlocked.Read(ref _ignored);
        values["pipeline.drops.incident_inputs"] = Interlocked.Read(ref _dropped);
        values["pipeline.queue.incidents"] = _input.Reader.Count;
    }

    private bool Offer(IncidentInput input)
    {
        if (_input.Writer.TryWrite(input))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        _logger.LogWarning("The incident queue is full or closed: {Input} was dropped (counted in pipeline.drops.incident_inputs)", input);
        return false;
    }

    private void Feed(IncidentInput input)
    {
        switch (input)
        {
            case AlertsObserved alerts:
                if (!Current(alerts.Generation, alerts.Transitions.Count > 0 ? alerts.Transitions[0].At : null))
                {
                    Interlocked.Add(ref _ignored, alerts.Transitions.Count);
                    return;
                }

                foreach (var transition in alerts.Transitions)
                {
                    _lastSeq = Math.Max(_lastSeq, transition.WindowEndSeq);
                    _lastAt = transition.At > _lastAt.GetValueOrDefault() ? transition.At : _lastAt;
                    _engine.Observe(transition, alerts.Evidence);
                }

                break;
            case FrameTimePassed tick:
                if (Current(tick.Generation, tick.At))
                {
                    _lastAt = tick.At > _lastAt.GetValueOrDefault() ? tick.At : _lastAt;
                    _engine.Tick(tick.At);
                }

                break;
            case CaptureObserved captured:
                _lastSeq = Math.Max(_lastSeq, captured.Event.LastSeq);
                _lastAt = captured.Event.UtcTime > _lastAt.GetValueOrDefault() ? captured.Event.UtcTime : _lastAt;
                _engine.Observe(captured.Event, null);
                break;
            case DetectorsReplaced replaced:
                Current(replaced.Generation, replaced.At);
                break;
        }
    }

    /// <summary>
    /// False when <paramref name="generation"/> is a replaced monitor's; a newer one than seen so far restarts the
    /// engine's drift members first (at <paramref name="at"/>).
    /// </summary>
    private bool Current(long generation, DateTimeOffset? at)
    {
        if (generation < _generation)
        {
            return false;
        }

        if (generation > _generation)
        {
            _generation = generation;
            if (at is { } when)
            {
                _engine.DetectorsRestarted(_cameraId, when, _lastSeq == 0 ? null : _lastSeq);
            }
        }

        return true;
    }
}
