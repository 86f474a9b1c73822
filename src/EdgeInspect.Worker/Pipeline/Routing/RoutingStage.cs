using System.Threading.Channels;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Inference;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Sampling;
using EdgeInspect.Worker.Pipeline.Verdicts;
using EdgeInspect.Worker.Telemetry;

namespace EdgeInspect.Worker.Pipeline.Routing;

/// <summary>
/// Routing and actuation: routes each part by the automation mode, decides it, exactly once, and acts on the line
/// (lamps, reject). The one place a part is decided.
/// </summary>
/// <remarks>
/// <para>A part the model decides (live, confident partial parts, canary parts) is decided and actuated the moment it
/// arrives, even when an inspector is also asked to audit it: decisions never wait for an auditor. Its result goes out
/// at once (with <c>outcome.auditPending</c>), and the audit verdict follows as its own record when it comes.</para>
/// <para>A part a human decides waits here for its verdict from the <see cref="VerdictStage"/> (or its timeout), and
/// at most until its decision deadline (<c>automation:decisionDeadline</c>): a part still undecided then gets the
/// no-decision action, the miss is counted (<c>pipeline.decisions.deadline_missed</c>), and a verdict that comes later
/// is published as an audit. A part the model decides that reaches routing after its deadline (inference fell behind)
/// is treated the same way.</para>
/// <para>Threading: one loop reads one queue, fed by inference and by the verdict stage, so decisions happen one at a
/// time in arrival order. The queue runs the loop inline on the writer's thread (usually inference's), which takes a
/// thread-pool hop out of capture → decision; that is safe because nothing here blocks or takes a lock: a wait for
/// room downstream is an await, which hands the thread back.</para>
/// </remarks>
public sealed class RoutingStage : IMetricsSource, IDisposable
{
    private readonly Channel<RoutingInput> _input;
    private readonly AutomationState _state;
    private readonly VerdictStage _verdicts;
    private readonly SamplingStage _sampling;
    private readonly IStationOutputs _outputs;
    private readonly PipelineMetrics _instruments;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _deadlineTimer;
    private readonly PriorityQueue<RoutedPart, long> _deadlines = new();
    private bool _inferenceDone;
    private bool _verdictsDone;
    private int _waiting;
    private long _byModel, _byHuman, _byNobody, _pass, _fail, _noDecision, _deadlineMissed, _audits, _failures;

    public RoutingStage(AutomationState state, VerdictStage verdicts, SamplingStage sampling, IStationOutputs outputs, PipelineMetrics instruments,
        PipelineOptions options, TimeProvider time, ILogger<RoutingStage> logger)
    {
        _state = state;
        _verdicts = verdicts;
        _sampling = sampling;
        _outputs = outputs;
        _instruments = instruments;
        _time = time;
        _logger = logger;
        // Synchronous continuations: a part inference hands over is routed and decided on the inference thread, inside
        // its write, instead of after a hop through the thread pool, which on a busy box is where decision latency goes.
        // Safe because this loop never blocks: every wait in it is an await, which hands the thread back.
        _input = Channel.CreateBounded<RoutingInput>(new BoundedChannelOptions(options.StageQueue)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            AllowSynchronousContinuations = true,
        });
        _deadlineTimer = time.CreateTimer(static s => ((Channel<RoutingInput>)s!).Writer.TryWrite(RoutingInput.DeadlineDue), _input, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Inference's parts and the verdict stage's answers come in here.</summary>
    public ChannelWriter<RoutingInput> Input => _input.Writer;

    public long DecidedByModel => Interlocked.Read(ref _byModel);

    public long DecidedByHuman => Interlocked.Read(ref _byHuman);

    public long Undecided => Interlocked.Read(ref _byNobody);

    /// <summary>Parts decided so far, by anyone (a no-decision counts: the part was actuated).</summary>
    public long Decided => DecidedByModel + DecidedByHuman + Undecided;

    /// <summary>Parts still undecided at their decision deadline.</summary>
    public long DeadlinesMissed => Interlocked.Read(ref _deadlineMissed);

    /// <summary>Verdicts on parts already decided (audits, and verdicts after a missed deadline).</summary>
    public long Audits => Interlocked.Read(ref _audits);

    /// <summary>Routes and decides until inference and the verdict stage are both done and no part waits.</summary>
    public async Task RunAsync(ChannelWriter<PartMessage> sampling)
    {
        var reader = _input.Reader;
        try
        {
            while (!(_inferenceDone && _verdictsDone && _waiting == 0) && await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var item))
                {
                    try
                    {
                        await HandleAsync(item, sampling);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException and not ChannelClosedException)
                    {
                        Interlocked.Increment(ref _failures);
                        _logger.LogError(e, "Routing failed on a {Kind}", item.Part is not null ? "part" : item.Verdict is not null ? "verdict" : item.Signal.ToString());
                    }
                }

                await ExpireDeadlinesAsync(sampling);
                ArmDeadlineTimer();
            }
        }
        finally
        {
            _deadlineTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            sampling.TryComplete();
        }
    }

    public void WriteTo(IDictionary<string, double> values)
    {
        values["pipeline.parts.decided_by.model"] = DecidedByModel;
        values["pipeline.parts.decided_by.human"] = DecidedByHuman;
        values["pipeline.parts.decided_by.none"] = Undecided;
        values["pipeline.parts.audited"] = Audits;
        values["pipeline.parts.routing_failed"] = Interlocked.Read(ref _failures);
        values["pipeline.decisions.pass"] = Interlocked.Read(ref _pass);
        values["pipeline.decisions.fail"] = Interlocked.Read(ref _fail);
        values["pipeline.decisions.no_decision"] = Interlocked.Read(ref _noDecision);
        values["pipeline.decisions.deadline_missed"] = DeadlinesMissed;
        values["pipeline.queue.routing"] = _input.Reader.Count;
    }

    public void Dispose() => _deadlineTimer.Dispose();

    private ValueTask HandleAsync(in RoutingInput item, ChannelWriter<PartMessage> sampling)
    {
        if (item.Part is { } part)
        {
            return RouteAsync(part, sampling);
        }

        if (item.Verdict is { } verdict)
        {
            return OnVerdictAsync(verdict, sampling);
        }

        switch (item.Signal)
        {
            case RoutingSignal.InferenceDone:
                _inferenceDone = true;
                // Every part has been routed (the queue is in order): nothing more will be asked of the inspectors.
                _verdicts.CompleteAsking();
                break;
            case RoutingSignal.VerdictsDone:
                _verdictsDone = true;
                break;
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask RouteAsync(InspectedPart inspected, ChannelWriter<PartMessage> sampling)
    {
        var settings = _state.Current;
        var policy = settings.Policy;
        var facts = inspected.Facts;
        var routing = policy.Route(facts.PartId, facts.Summary);
        _outputs.ShowSuggestion(routing.Suggestion);
        _outputs.SetNeedsHuman(routing.NeedsHumanLamp);

        long? deadline = policy.DecisionDeadline is { } d ? facts.CaptureTimestamp + Ticks(d) : null;
        var part = new RoutedPart(inspected, settings, routing, deadline);
        if (inspected.TakeFrame() is { } frame)
        {
            part.Frame = _sampling.Keep(facts.PartId, facts.Output.Uncertain, routing.AskHuman, frame);
        }

        if (routing.WaitForHuman)
        {
            _waiting++;
            if (deadline is { } due)
            {
                _deadlines.Enqueue(part, due);
            }

            _verdicts.Ask(part);
            return;
        }

        // The model decides: now, before the inspector is even asked to audit.
        var late = deadline is { } dueBy && _time.GetTimestamp() > dueBy;
        var decided = Decide(part, late ? policy.DeadlineMissed() : policy.Decide(routing, facts.Summary, null), human: null, deadlineMissed: late);
        if (routing.AskHuman)
        {
            _verdicts.Ask(part);
        }

        await sampling.WriteAsync(decided);
    }

    private async ValueTask OnVerdictAsync(HumanVerdict verdict, ChannelWriter<PartMessage> sampling)
    {
        var part = verdict.Part;
        var human = RecordBuilder.HumanOf(verdict.Joined, part.Routing.IsAudit);
        if (!verdict.IsFirst)
        {
            if (part.FirstHuman is { Verdict: Verdict.Pass or Verdict.Fail } first && human.Verdict is Verdict.Pass or Verdict.Fail)
            {
                await sampling.WriteAsync(new SecondOpinion(first.InspectorId, first.Verdict.Value, human.InspectorId, human.Verdict.Value));
            }

            return;
        }

        part.FirstHuman = human;
        if (!part.IsDecided)
        {
            _waiting--;
            var outcome = part.Settings.Policy.Decide(part.Routing, part.Facts.Summary, verdict.Joined.Verdict);
            await sampling.WriteAsync(Decide(part, outcome, human, deadlineMissed: false));
            return;
        }

        // The part was decided without this verdict: an audit of the model, or a verdict after the deadline.
        var kind = part.Routing.WaitForHuman ? AuditKind.AfterDeadline : AuditKind.Audit;
        var audit = RecordBuilder.Audit(part.Result!, human, kind, _time.GetUtcNow());
        Interlocked.Increment(ref _audits);
        await sampling.WriteAsync(new AuditedPart(audit, part.Result!, part.Facts, part.TakeFrame()));
    }

    /// <summary>Decides a part: actuates first, then writes its result. The only place a part gets its outcome.</summary>
    private DecidedPart Decide(RoutedPart part, in PartOutcome outcome, HumanRecord? human, bool deadlineMissed)
    {
        if (outcome.Actuation == Actuation.Reject)
        {
            _outputs.PulseReject();
        }

        var captureToDecision = _time.GetElapsedTime(part.Facts.CaptureTimestamp);
        var decisionUtc = _time.GetUtcNow();
        // Asked, but not decided by the answer: the verdict is still to come, as an audit.
        var auditPending = part.Routing.AskHuman && human is null;
        var record = RecordBuilder.Result(part.Settings.Records, part.Settings.Policy.Mode.ToName(), part.Facts, part.Routing, outcome, human,
            decisionUtc, captureToDecision, deadlineMissed, auditPending);
        part.Result = record;
        Count(outcome, deadlineMissed);
        _instruments.RecordStage("capture_to_decision", captureToDecision);
        var inspected = part.Inspected;
        // A frame kept for a sample stays with the part until its last verdict, when the sample decision is made.
        return new DecidedPart(new CompletedPart(record, inspected.PreprocessTime, inspected.InferenceTime, captureToDecision),
            part.Facts, inspected.Metrics, inspected.DefectScore, human, auditPending, auditPending ? null : part.TakeFrame())
        {
            Flags = inspected.Flags,
            ClassIndex = inspected.ClassIndex,
        };
    }

    private async ValueTask ExpireDeadlinesAsync(ChannelWriter<PartMessage> sampling)
    {
        var now = _time.GetTimestamp();
        while (_deadlines.TryPeek(out var part, out var due) && due <= now)
        {
            _deadlines.Dequeue();
            if (part.IsDecided)
            {
                continue;
            }

            _waiting--;
            await sampling.WriteAsync(Decide(part, part.Settings.Policy.DeadlineMissed(), human: null, deadlineMissed: true));
        }
    }

    private void ArmDeadlineTimer()
    {
        // Parts decided meanwhile leave lazily; the head's deadline is the next one that can matter.
        while (_deadlines.TryPeek(out var head, out _) && head.IsDecided)
        {
            _deadlines.Dequeue();
        }

        var delay = _deadlines.TryPeek(out _, out var due) ? _time.GetElapsedTime(_time.GetTimestamp(), due) : Timeout.InfiniteTimeSpan;
        _deadlineTimer.Change(delay == Timeout.InfiniteTimeSpan ? delay : delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private void Count(in PartOutcome outcome, bool deadlineMissed)
    {
        switch (outcome.DecidedBy)
        {
            case DecidedBy.Model:
                Interlocked.Increment(ref _byModel);
                break;
            case DecidedBy.Human:
                Interlocked.Increment(ref _byHuman);
                break;
            default:
                Interlocked.Increment(ref _byNobody);
                break;
        }

        switch (outcome.Decision)
        {
            case FinalDecision.Pass:
                Interlocked.Increment(ref _pass);
                break;
            case FinalDecision.Fail:
                Interlocked.Increment(ref _fail);
                break;
            default:
                Interlocked.Increment(ref _noDecision);
                break;
        }

        if (deadlineMissed)
        {
            Interlocked.Increment(ref _deadlineMissed);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.Ticks * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
}
