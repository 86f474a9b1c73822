using System.Threading.Channels;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Routing;

namespace EdgeInspect.Worker.Pipeline.Verdicts;

/// <summary>A verdict (or a timeout) on a part routing asked an inspector about, on its way back to routing.</summary>
/// <param name="Part">Routing's part.</param>
/// <param name="Joined">The press (or the timeout) with the inspector's latency.</param>
/// <param name="IsFirst">The first answer any position gave on this part; a later one is a second opinion.</param>
public sealed record HumanVerdict(RoutedPart Part, JoinedVerdict<RoutedPart> Joined, bool IsFirst);

/// <summary>
/// Shown each part that is asked of an inspector: for a backend that must be told about the part (a scripted
/// inspector answering from ground truth). Real buttons need none: the inspector sees the part on the conveyor.
/// </summary>
/// <remarks>Called on routing's task, right after the part is queued for its verdict; be quick and never throw for routine input.</remarks>
public interface IVerdictRequestObserver
{
    void OnAsked(PartFacts part);
}

/// <summary>
/// The verdict-join loop: pairs inspector presses with the parts routing asked about, first in first out, one FIFO
/// per inspector position, and times out parts nobody answered. Every answer goes back to routing, which decides.
/// </summary>
/// <remarks>
/// <para>Owns: the verdict joins and the inspector's press channel. The first answer on a part (a press or its timeout)
/// is the one routing uses; another position's later press is a second opinion (inter-inspector agreement). Presses
/// with no part waiting are counted (<c>verdict_join.orphan_presses</c>).</para>
/// <para><see cref="Ask"/> is a thread-safe enqueue that never waits, so routing never waits on this stage while this
/// stage waits for room in routing's queue: the two queues cannot deadlock.</para>
/// <para>Shutdown: after <see cref="CompleteAsking"/>, every part still waiting gets its verdict or times out, then
/// routing is told the join is done.</para>
/// </remarks>
public sealed class VerdictStage : IMetricsSource
{
    private readonly IInspectorInput _inspector;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VerdictJoin<Request> _main;
    private readonly Dictionary<string, VerdictJoin<Request>> _byPosition = new(StringComparer.Ordinal);
    private readonly VerdictJoin<Request>[] _joins;
    private readonly IVerdictRequestObserver[] _observers;
    private volatile bool _askingDone;

    // Wakes the loop when it must look again before its wait ends: a first part to wait for, or the end of asking.
    private readonly Lock _wakeGate = new();
    private CancellationTokenSource _wake = new();

    public VerdictStage(IInspectorInput inspector, InspectorOptions inspectorOptions, AutomationOptions automation, TimeProvider time,
        IEnumerable<IVerdictRequestObserver> observers, ILogger<VerdictStage> logger)
    {
        _inspector = inspector;
        _time = time;
        _logger = logger;
        _observers = [.. observers];
        _main = new VerdictJoin<Request>(time, automation.VerdictTimeout);
        foreach (var position in inspectorOptions.Positions.Select(p => p.Name).Distinct(StringComparer.Ordinal))
        {
            // The first position shares the main join; a press from a position not configured goes there too.
            _byPosition[position] = _byPosition.Count == 0 ? _main : new VerdictJoin<Request>(time, automation.VerdictTimeout);
        }

        _joins = _byPosition.Count == 0 ? [_main] : [.. _byPosition.Values.Distinct()];
    }

    /// <summary>Parts waiting for a press, over every position.</summary>
    public int Pending
    {
        get
        {
            var pending = 0;
            foreach (var join in _joins)
            {
                pending += join.Counters.Pending;
            }

            return pending;
        }
    }

    /// <summary>Queues a part for its inspector's verdict, from capture time until the verdict timeout. Never waits; thread-safe.</summary>
    public void Ask(RoutedPart part)
    {
        var request = new Request(part);
        // Only the first part to wait for changes when the loop must next look: later ones time out after it (FIFO).
        var wasIdle = Pending == 0;
        foreach (var join in _joins)
        {
            join.Enqueue(part.Facts.PartId, request, part.Facts.CaptureTimestamp);
        }

        foreach (var observer in _observers)
        {
            try
            {
                observer.OnAsked(part.Facts);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogWarning(e, "Verdict request observer {Observer} failed on part {PartId}", observer.GetType().Name, part.Facts.PartId);
            }
        }

        if (wasIdle)
        {
            Wake();
        }
    }

    /// <summary>No more parts will be asked about; the loop ends once every waiting part is answered or timed out.</summary>
    public void CompleteAsking()
    {
        _askingDone = true;
        Wake();
    }

    private void Wake()
    {
        lock (_wakeGate)
        {
            _wake.Cancel();
        }
    }

    /// <summary>The token the loop's next wait ends on; taken before the wait is computed, so no wake is missed.</summary>
    private CancellationToken WakeToken()
    {
        lock (_wakeGate)
        {
            if (_wake.IsCancellationRequested)
            {
                _wake.Dispose();
                _wake = new CancellationTokenSource();
            }

            return _wake.Token;
        }
    }

    /// <summary>Joins presses with parts and hands each answer to routing, until asking is complete and nothing waits.</summary>
    public async Task RunAsync(ChannelWriter<RoutingInput> routing)
    {
        var presses = _inspector.Presses;
        var timedOut = new List<JoinedVerdict<Request>>();
        Task<bool>? pressWait = null;
        try
        {
            while (!_askingDone || Pending > 0)
            {
                var wake = WakeToken();
                var wait = NextWait();
                if (presses.Completion.IsCompleted)
                {
                    // No inspector left to answer: the parts still waiting can only time out.
                    await Task.Delay(wait, _time, wake).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
                else
                {
                    // A press, the next deadline, a wake (a first part to wait for, or the end of asking) or a closed
                    // channel (the inspector backend stopped, with a fault logged by its owner) are all handled below.
                    // Not thrown: a thrown exception per wait was the station's largest steady cost in allocations and
                    // exceptions (issue 18's profile: 11-15 exceptions/s at 30 fps). The wait for a press outlives a wait
                    // that timed out: a single-reader channel cancels a waiter it replaces, with an
                    // OperationCanceledException each time (15/s at 30 fps, the profile's other steady exception).
                    pressWait ??= presses.WaitToReadAsync().AsTask();
                    await ((Task)pressWait.WaitAsync(wait, _time, wake)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (pressWait.IsCompleted)
                    {
                        pressWait = null;
                    }
                }

                while (presses.TryRead(out var press))
                {
                    var join = _byPosition.TryGetValue(press.Position, out var own) ? own : _main;
                    if (join.OnPress(press, out var joined))
                    {
                        await routing.WriteAsync(RoutingInput.Of(Answer(joined)));
                    }
                }

                foreach (var join in _joins)
                {
                    timedOut.Clear();
                    join.CollectTimedOut(timedOut);
                    foreach (var expired in timedOut)
                    {
                        // A part times out once: when no position answered. A second position's silence changes nothing.
                        if (!expired.Part.Answered)
                        {
                            await routing.WriteAsync(RoutingInput.Of(Answer(expired)));
                        }
                    }
                }
            }
        }
        finally
        {
            await routing.WriteAsync(RoutingInput.VerdictsDone);
        }
    }

    public void WriteTo(IDictionary<string, double> values)
    {
        var join = _main.Counters;
        values["verdict_join.pending"] = join.Pending;
        values["verdict_join.labeled"] = join.Labeled;
        values["verdict_join.timed_out"] = join.TimedOut;
        values["verdict_join.orphan_presses"] = join.OrphanPresses;
    }

    private static HumanVerdict Answer(in JoinedVerdict<Request> joined)
    {
        var request = joined.Part;
        var first = !request.Answered;
        request.Answered = true;
        return new HumanVerdict(request.Part, new JoinedVerdict<RoutedPart>(joined.PartId, request.Part, joined.Outcome, joined.Press, joined.HumanLatency), first);
    }

    /// <summary>
    /// Until the next deadline; with nothing waiting, a second (a wake ends it sooner). Not a poll: at a line's rate
    /// the loop used to wake 20 times a second to find nothing to do, a timer, a task and an exception object each.
    /// </summary>
    private TimeSpan NextWait()
    {
        var wait = TimeSpan.FromSeconds(1);
        foreach (var join in _joins)
        {
            if (join.NextDeadline is { } deadline)
            {
                var left = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
                wait = left < wait ? (left < TimeSpan.Zero ? TimeSpan.Zero : left) : wait;
            }
        }

        return wait;
    }

    /// <summary>One part in the joins of every position; <see cref="Answered"/> is touched by this stage's loop only.</summary>
    private sealed class Request(RoutedPart part)
    {
        public RoutedPart Part { get; } = part;

        public bool Answered { get; set; }
    }
}
