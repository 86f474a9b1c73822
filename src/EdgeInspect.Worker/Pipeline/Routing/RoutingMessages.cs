using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Inference;
using EdgeInspect.Worker.Pipeline.Verdicts;

namespace EdgeInspect.Worker.Pipeline.Routing;

/// <summary>What routing reads: a new part, a verdict from the verdict join, or a signal. Exactly one is set.</summary>
public readonly struct RoutingInput
{
    private RoutingInput(RoutingSignal signal, InspectedPart? part, HumanVerdict? verdict)
    {
        Signal = signal;
        Part = part;
        Verdict = verdict;
    }

    public RoutingSignal Signal { get; }

    public InspectedPart? Part { get; }

    public HumanVerdict? Verdict { get; }

    /// <summary>Inference is done: no more parts will come.</summary>
    public static RoutingInput InferenceDone { get; } = new(RoutingSignal.InferenceDone, null, null);

    /// <summary>The verdict join is done: every part asked of an inspector was answered or timed out.</summary>
    public static RoutingInput VerdictsDone { get; } = new(RoutingSignal.VerdictsDone, null, null);

    /// <summary>A decision deadline is due.</summary>
    public static RoutingInput DeadlineDue { get; } = new(RoutingSignal.DeadlineDue, null, null);

    public static RoutingInput Of(InspectedPart part) => new(RoutingSignal.None, part, null);

    public static RoutingInput Of(HumanVerdict verdict) => new(RoutingSignal.None, null, verdict);
}

public enum RoutingSignal
{
    None,
    InferenceDone,
    VerdictsDone,
    DeadlineDue,
}

/// <summary>
/// Routing's state of one part from routing to its last verdict: the settings it was routed under, how it was routed,
/// and (once decided) its result. The verdict join carries it back with each verdict.
/// </summary>
/// <remarks>The immutable members are read by the verdict stage; the mutable ones belong to the routing thread alone.</remarks>
public sealed class RoutedPart
{
    internal RoutedPart(InspectedPart inspected, AutomationSettings settings, in PartRouting routing, long? deadline)
    {
        Inspected = inspected;
        Settings = settings;
        Routing = routing;
        Deadline = deadline;
    }

    public InspectedPart Inspected { get; }

    public PartFacts Facts => Inspected.Facts;

    public AutomationSettings Settings { get; }

    public PartRouting Routing { get; }

    /// <summary>Capture + the decision deadline, in TimeProvider timestamp units; null without a deadline.</summary>
    public long? Deadline { get; }

    /// <summary>The frame kept for a sample until the part's last fact is known; routing thread only.</summary>
    internal Frame? Frame { get; set; }

    /// <summary>The result record, once decided; routing thread only.</summary>
    internal InspectionRecord? Result { get; set; }

    internal bool IsDecided => Result is not null;

    /// <summary>The verdict that came first, to compare a second inspector's with; routing thread only.</summary>
    internal HumanRecord? FirstHuman { get; set; }

    internal Frame? TakeFrame()
    {
        var frame = Frame;
        Frame = null;
        return frame;
    }
}

/// <summary>
/// Routing → sampling → quality: what happened to a part. A message belongs to the stage holding it, which may
/// annotate it (sampling adds the sample path) before handing it on.
/// </summary>
public abstract class PartMessage
{
    private Frame? _frame;

    private protected PartMessage(Frame? frame) => _frame = frame;

    /// <summary>The frame kept for a sample decision, if any; taken once (the taker releases it).</summary>
    public Frame? TakeFrame() => Interlocked.Exchange(ref _frame, null);
}

/// <summary>A part was decided (and actuated): its result is final and goes out now.</summary>
public sealed class DecidedPart : PartMessage
{
    internal DecidedPart(CompletedPart part, PartFacts facts, InputMetrics metrics, double defectScore, HumanRecord? human, bool auditPending, Frame? frame)
        : base(frame)
    {
        Part = part;
        Facts = facts;
        Metrics = metrics;
        DefectScore = defectScore;
        Human = human;
        AuditPending = auditPending;
    }

    /// <summary>The result as published; sampling may add the sample path.</summary>
    public CompletedPart Part { get; internal set; }

    public PartFacts Facts { get; }

    public InputMetrics Metrics { get; }

    public double DefectScore { get; }

    /// <summary>Capture's flags on the frame (all-black, saturated), for the drift monitor.</summary>
    public FrameFlags Flags { get; init; }

    /// <summary>The active model's predicted class index, for the drift monitor's class mix; null without classes.</summary>
    public int? ClassIndex { get; init; }

    /// <summary>The verdict that decided the part (or its timeout); null when none was waited for.</summary>
    public HumanRecord? Human { get; }

    /// <summary>An inspector's verdict on this part is still to come (an <see cref="AuditedPart"/> follows).</summary>
    public bool AuditPending { get; }

    public Verdict ModelVerdict => Facts.Output.Verdict;
}

/// <summary>An inspector's verdict (or timeout) on a part already decided: an audit, or a verdict after the deadline.</summary>
public sealed class AuditedPart : PartMessage
{
    internal AuditedPart(AuditRecord audit, InspectionRecord result, PartFacts facts, Frame? frame)
        : base(frame)
    {
        Audit = audit;
        Result = result;
        Facts = facts;
    }

    /// <summary>The audit record as published; sampling may add the sample path.</summary>
    public AuditRecord Audit { get; internal set; }

    /// <summary>The part's result, as it was published at decision time.</summary>
    public InspectionRecord Result { get; }

    public PartFacts Facts { get; }
}

/// <summary>A second inspector judged a part another one already judged: inter-inspector agreement.</summary>
public sealed class SecondOpinion(string firstInspector, Verdict first, string secondInspector, Verdict second) : PartMessage(null)
{
    public string FirstInspector { get; } = firstInspector;

    public Verdict First { get; } = first;

    public string SecondInspector { get; } = secondInspector;

    public Verdict Second { get; } = second;
}
