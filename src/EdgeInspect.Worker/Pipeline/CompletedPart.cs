using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// A part the pipeline has finished: its provenance envelope plus what offline observers (replay reports, the demo,
/// the bench) need beyond it. Immutable once published.
/// </summary>
/// <param name="Record">The envelope published on <c>result</c>.</param>
/// <param name="Metrics">The frame's input metrics.</param>
/// <param name="TrueClass">The labelled class when the source has ground truth; otherwise null.</param>
/// <param name="PreprocessTime">Frame to tensor.</param>
/// <param name="InferenceTime">The runtime's Run.</param>
/// <param name="CaptureToDecision">Capture timestamp to final decision (monotonic).</param>
/// <param name="Thumbnail">A small JPEG of the frame when an observer asked for thumbnails of disagreements; else null.</param>
public sealed record CompletedPart(
    InspectionRecord Record,
    InputMetrics Metrics,
    string? TrueClass,
    TimeSpan PreprocessTime,
    TimeSpan InferenceTime,
    TimeSpan CaptureToDecision,
    byte[]? Thumbnail);
