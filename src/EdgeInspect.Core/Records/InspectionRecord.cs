using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;

// Positional records document only the parameters whose meaning the name does not carry.
#pragma warning disable CS1573

namespace EdgeInspect.Core.Records;

/// <summary>
/// The provenance envelope of one part: the "result" topic payload and the Outbox row (DESIGN.md, "Records: one
/// envelope per part"). Serialize it with <see cref="RecordJson"/>. Add fields, never rename or remove them without a
/// new <see cref="Schema"/>: the plant gateway parses these.
/// </summary>
/// <param name="DeviceId">The device, unique in the plant.</param>
/// <param name="BootEpochMs">Unix milliseconds at service start; identifies this run of the service.</param>
/// <param name="Seq">Record sequence number within the boot, from 1, no gaps: the gateway detects lost records.</param>
/// <param name="Utc">When the record was made (the decision time).</param>
/// <param name="PartId">See <see cref="PartIds"/>.</param>
public sealed record InspectionRecord(
    string DeviceId,
    long BootEpochMs,
    long Seq,
    DateTimeOffset Utc,
    StationRef Station,
    string PartId,
    CameraRecord Camera,
    FrameRecord Frame,
    ModelRef Model,
    string Mode,
    string ConfigRevision,
    ModelOutputRecord? ModelOutput,
    HumanRecord? Human,
    OutcomeRecord Outcome)
{
    public const string SchemaName = "edgeinspect.result.v1";

    public string Schema { get; init; } = SchemaName;

    /// <summary>The candidate model's output when one runs in shadow beside the active one; otherwise null.</summary>
    public CandidateRecord? Candidate { get; init; }

    /// <summary>Input statistics of the frame; null if not computed.</summary>
    public InputStatisticsRecord? Input { get; init; }

    /// <summary>Where the sample was saved for retraining, relative to the samples folder; null if not saved.</summary>
    public string? SamplePath { get; init; }
}

/// <summary>Where in the plant: ISA-95 levels, as in the MQTT topic.</summary>
public sealed record StationRef(string Site, string Area, string Line, string Station);

/// <summary>The camera and the settings it read back for this frame. Null: the backend cannot report it.</summary>
public sealed record CameraRecord(string Id, int Width, int Height, double? Fps, double? Exposure, double? Gain, bool? AutoExposure)
{
    public static CameraRecord From(string cameraId, CameraSettings settings) => new(
        cameraId, settings.Width, settings.Height, Known(settings.Fps), Known(settings.Exposure), Known(settings.Gain), settings.AutoExposure);

    // JSON has no NaN; "cannot report" is absence, not a number.
    private static double? Known(double value) => double.IsFinite(value) ? value : null;
}

/// <summary>The frame behind the part, with its timestamps.</summary>
/// <param name="CaptureToDecisionMs">Monotonic time from capture to decision, in milliseconds.</param>
public sealed record FrameRecord(long Seq, FrameTrigger Trigger, long TriggerId, DateTimeOffset CaptureUtc, DateTimeOffset DecisionUtc, double CaptureToDecisionMs);

/// <summary>Which model: from its package manifest.</summary>
public sealed record ModelRef(string Name, string Version, string Sha256);

/// <summary>What the model said about the part.</summary>
/// <param name="Class">The predicted class name (e.g. "ok", "scratch"), or null for a bare defect score.</param>
/// <param name="Score">The defect score, or the probability of the predicted class.</param>
/// <param name="Probabilities">Per-class probabilities in the package's class order; null for a score model.</param>
/// <param name="Verdict">Pass or fail after the package's thresholds.</param>
/// <param name="Uncertain">The score fell in the uncertainty band.</param>
/// <param name="LatencyMs">Preprocess + inference time, in milliseconds.</param>
public sealed record ModelOutputRecord(string? Class, double Score, IReadOnlyList<double>? Probabilities, Verdict Verdict, bool Uncertain, double LatencyMs);

/// <summary>The candidate model in shadow: which one, what it said, and whether it agrees with the active one.</summary>
public sealed record CandidateRecord(ModelRef Model, ModelOutputRecord Output, bool AgreesWithActive);

/// <summary>The inspector's side. Null on the record when the part was never sent to an inspector.</summary>
/// <param name="InspectorId">Who; empty if unknown.</param>
/// <param name="Position">The station position of the button box.</param>
/// <param name="Verdict">What they pressed; null when the part timed out.</param>
/// <param name="TimedOut">True when no press came before the verdict timeout (the part is unlabeled).</param>
/// <param name="LatencyMs">From being asked to pressing (or to the timeout), in milliseconds.</param>
/// <param name="Audit">The human checked a part the model decided.</param>
public sealed record HumanRecord(string InspectorId, string Position, Verdict? Verdict, bool TimedOut, double LatencyMs, bool Audit);

/// <summary>The outcome: final decision, who made it, what the line did, and whether model and human agreed.</summary>
/// <param name="Agreement">Model verdict equals human pass/fail verdict; null without one.</param>
/// <param name="Canary">Canary mode gave this part to the model.</param>
public sealed record OutcomeRecord(FinalDecision Decision, DecidedBy DecidedBy, Actuation Actuation, bool? Agreement, bool Canary)
{
    /// <summary>True when the part was still undecided at its decision deadline and got the no-decision action; else absent.</summary>
    public bool? DeadlineMissed { get; init; }

    /// <summary>
    /// True when an inspector was asked about a part already decided (an audit, or a verdict still due after a missed
    /// deadline): the verdict follows as its own message on <c>audit</c> (<see cref="AuditRecord"/>). Else absent.
    /// </summary>
    public bool? AuditPending { get; init; }

    public static OutcomeRecord From(in PartOutcome outcome, in PartRouting routing) =>
        new(outcome.Decision, outcome.DecidedBy, outcome.Actuation, outcome.Agreement, routing.IsCanary);
}

/// <summary>Input statistics of the frame, for the envelope (the monitoring stage computes them).</summary>
/// <param name="Brightness">Mean luma, 0..255.</param>
/// <param name="Contrast">Luma standard deviation.</param>
/// <param name="Sharpness">Variance of the Laplacian.</param>
/// <param name="ClippedDark">Fraction of pixels at the bottom of the range.</param>
/// <param name="ClippedBright">Fraction of pixels at the top of the range.</param>
/// <param name="MeanB">Blue channel mean, 0..255.</param>
public sealed record InputStatisticsRecord(double Brightness, double Contrast, double Sharpness, double ClippedDark, double ClippedBright, double MeanB, double MeanG, double MeanR);
