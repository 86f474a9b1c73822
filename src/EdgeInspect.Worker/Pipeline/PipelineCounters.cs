using System.Globalization;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// Counters of the pipeline's own stages: parts, decisions by who decided, failures and every drop by its cause.
/// Updated from the pipeline threads with interlocked adds; read from any thread.
/// </summary>
public sealed class PipelineCounters
{
    private long _inspected, _failed, _modelFail, _uncertain, _byModel, _byHuman, _byNobody, _pass, _fail, _noDecision,
        _sinkFailed, _eventsDropped, _samplesSkipped, _preprocessTicks, _inferenceTicks;

    private readonly long[] _captureEvents = new long[Enum.GetValues<CaptureEventKind>().Length];

    public long Inspected => Interlocked.Read(ref _inspected);

    public long InferenceFailures => Interlocked.Read(ref _failed);

    public long DecidedByModel => Interlocked.Read(ref _byModel);

    public long DecidedByHuman => Interlocked.Read(ref _byHuman);

    public long Undecided => Interlocked.Read(ref _byNobody);

    public long Decided => DecidedByModel + DecidedByHuman + Undecided;

    public long EventsDropped => Interlocked.Read(ref _eventsDropped);

    internal void PartInspected(TimeSpan preprocess, TimeSpan inference, bool modelFail, bool uncertain)
    {
        Interlocked.Increment(ref _inspected);
        Interlocked.Add(ref _preprocessTicks, preprocess.Ticks);
        Interlocked.Add(ref _inferenceTicks, inference.Ticks);
        if (modelFail)
        {
            Interlocked.Increment(ref _modelFail);
        }

        if (uncertain)
        {
            Interlocked.Increment(ref _uncertain);
        }
    }

    internal void InferenceFailed() => Interlocked.Increment(ref _failed);

    internal void PartDecided(DecidedBy by, FinalDecision decision)
    {
        switch (by)
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

        switch (decision)
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
    }

    internal void SinkFailed() => Interlocked.Increment(ref _sinkFailed);

    internal void EventDropped() => Interlocked.Increment(ref _eventsDropped);

    internal void SampleSkipped() => Interlocked.Increment(ref _samplesSkipped);

    internal void CaptureEvent(CaptureEventKind kind) => Interlocked.Increment(ref _captureEvents[(int)kind]);

    /// <summary>Writes every counter under OpenTelemetry-style dotted names.</summary>
    public void WriteTo(IDictionary<string, double> values)
    {
        var inspected = Inspected;
        values["pipeline.parts.inspected"] = inspected;
        values["pipeline.parts.inference_failed"] = InferenceFailures;
        values["pipeline.parts.decided_by.model"] = DecidedByModel;
        values["pipeline.parts.decided_by.human"] = DecidedByHuman;
        values["pipeline.parts.decided_by.none"] = Undecided;
        values["pipeline.decisions.pass"] = Interlocked.Read(ref _pass);
        values["pipeline.decisions.fail"] = Interlocked.Read(ref _fail);
        values["pipeline.decisions.no_decision"] = Interlocked.Read(ref _noDecision);
        values["model.defect_rate"] = inspected == 0 ? 0 : (double)Interlocked.Read(ref _modelFail) / inspected;
        values["model.uncertain_fraction"] = inspected == 0 ? 0 : (double)Interlocked.Read(ref _uncertain) / inspected;
        values["pipeline.stage.preprocess.mean_ms"] = inspected == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _preprocessTicks) / inspected).TotalMilliseconds;
        values["pipeline.stage.inference.mean_ms"] = inspected == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _inferenceTicks) / inspected).TotalMilliseconds;
        values["pipeline.drops.sink_failed"] = Interlocked.Read(ref _sinkFailed);
        values["pipeline.drops.events"] = EventsDropped;
        values["pipeline.drops.samples"] = Interlocked.Read(ref _samplesSkipped);
        foreach (var kind in Enum.GetValues<CaptureEventKind>())
        {
            var count = Interlocked.Read(ref _captureEvents[(int)kind]);
            if (count > 0)
            {
                values["capture.events." + kind.ToString().ToLower(CultureInfo.InvariantCulture)] = count;
            }
        }
    }
}
