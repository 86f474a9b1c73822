using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Worker.Pipeline.Inference;

/// <summary>
/// Inference → routing: a part the models have seen, not yet decided. The facts are immutable; the frame reference
/// is handed over with the message.
/// </summary>
/// <remarks>
/// Ownership: <see cref="Frame"/> carries one reference that belongs to whoever holds the message. Routing either
/// keeps it for a sample (passing it on) or releases it; <see cref="TakeFrame"/> makes the hand-over explicit so a
/// reference is released exactly once.
/// </remarks>
public sealed class InspectedPart(PartFacts facts, InputMetrics metrics, double defectScore, TimeSpan preprocessTime, TimeSpan inferenceTime, Frame frame)
{
    private Frame? _frame = frame;

    public PartFacts Facts { get; } = facts;

    /// <summary>The frame's input metrics at full precision (drift detection; the record holds them rounded).</summary>
    public InputMetrics Metrics { get; } = metrics;

    /// <summary>The active model's defect score at full precision.</summary>
    public double DefectScore { get; } = defectScore;

    /// <summary>Capture's flags on the frame (all-black, saturated): the drift monitor's camera-fault detectors read them.</summary>
    public FrameFlags Flags { get; init; }

    /// <summary>The active model's predicted class (an index into its class names); null for a model without classes.</summary>
    public int? ClassIndex { get; init; }

    public TimeSpan PreprocessTime { get; } = preprocessTime;

    public TimeSpan InferenceTime { get; } = inferenceTime;

    /// <summary>Takes the frame reference; null once taken.</summary>
    public Frame? TakeFrame() => Interlocked.Exchange(ref _frame, null);
}

/// <summary>
/// Watches each frame as inference sees it, while its pixels are still valid: for replay- or demo-only additions
/// (replay's thumbnails of mislabelled frames), never the production pipeline's own work.
/// </summary>
/// <remarks>Called on the inference thread, once per part: be quick, do not keep the frame, never throw for routine input.</remarks>
public interface IInspectionObserver
{
    void OnInspected(Frame frame, PartFacts part);
}
