using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// What the pipeline knows of a part between its inference and its final decision (which may wait for a human).
/// Written by the inference thread before the part is enqueued in the verdict join; read by whoever completes it.
/// </summary>
internal sealed class PendingPart
{
    public required string PartId { get; init; }

    public required long PartSeq { get; init; }

    /// <summary>The policy the part was routed under; it is decided under the same one even if the mode changes meanwhile.</summary>
    public required DecisionPolicy Policy { get; init; }

    public required PartRouting Routing { get; init; }

    public required ModelSummary Summary { get; init; }

    public required FrameRecord Frame { get; init; }

    /// <summary>Capture time in TimeProvider timestamp units.</summary>
    public required long CaptureTimestamp { get; init; }

    public required CameraRecord Camera { get; init; }

    public required ModelRef Model { get; init; }

    public required ModelOutputRecord Output { get; init; }

    public CandidateRecord? Candidate { get; init; }

    public InputMetrics Metrics { get; init; }

    public string? TrueClass { get; init; }

    public TimeSpan PreprocessTime { get; init; }

    public TimeSpan InferenceTime { get; init; }

    /// <summary>The model's decision, made at once when the part did not wait for a human.</summary>
    public PartOutcome? EarlyOutcome { get; set; }

    /// <summary>A JPEG of the frame, when a sample may be saved for this part.</summary>
    public byte[]? SampleJpeg { get; set; }

    /// <summary>A reference on the frame kept until the human verdict, to save a disagreement sample; released on completion.</summary>
    public Frame? HeldFrame { get; set; }

    /// <summary>Set once the part's record is made; later verdicts on it only feed inter-inspector agreement.</summary>
    public bool Completed { get; set; }

    /// <summary>The verdict that decided the part, to compare a second inspector's with.</summary>
    public HumanRecord? FirstHuman { get; set; }

    /// <summary>The saved sample's JPEG, offered to observers as a thumbnail.</summary>
    public byte[]? Thumbnail { get; set; }
}
