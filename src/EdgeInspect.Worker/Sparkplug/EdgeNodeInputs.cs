using EdgeInspect.Core.Models;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>
/// The figures of one metrics interval that the edge node publishes as node metrics. Null means "not known yet"
/// (published as a Sparkplug null). Filled today from the station's flat metrics snapshot by
/// <see cref="SparkplugStationSink"/>.
/// </summary>
internal sealed record StationFigures
{
    /// <summary>Frames per second over the interval, per camera.</summary>
    public IReadOnlyDictionary<string, double> FramesPerSecond { get; init; } = new Dictionary<string, double>();

    /// <summary>Latency percentiles per pipeline stage ("preprocess", "inference", "capture_to_decision"), in milliseconds.</summary>
    public IReadOnlyDictionary<string, StageLatency> Stages { get; init; } = new Dictionary<string, StageLatency>();

    public long? PartsInspected { get; init; }

    public long? PartsPass { get; init; }

    public long? PartsFail { get; init; }

    public long? PartsNoDecision { get; init; }

    /// <summary>Model-vs-inspector agreement (0..1) and its 95% Wilson interval, and Cohen's kappa, over all parts of the mode.</summary>
    public double? Agreement { get; init; }

    public double? AgreementLower95 { get; init; }

    public double? AgreementUpper95 { get; init; }

    public double? Kappa { get; init; }

    public long? AgreementParts { get; init; }

    /// <summary>"ready" or "not ready" (the promotion gate's evaluation), or null when unknown.</summary>
    public string? PromotionGate { get; init; }

    public long? OpenIncidents { get; init; }

    /// <summary>Records waiting in the outbox for the JSON link.</summary>
    public long? OutboxDepth { get; init; }

    public long? OutboxDroppedMetrics { get; init; }

    /// <summary>Reconnects of the JSON plant link.</summary>
    public long? LinkReconnects { get; init; }
}

/// <summary>One stage's latency percentiles, in milliseconds.</summary>
internal readonly record struct StageLatency(double? P50Ms, double? P99Ms);

/// <summary>One part's result, as published under <c>Result/…</c> of its camera's device.</summary>
/// <param name="CameraId">The device the result belongs to.</param>
/// <param name="PartId">The station's part id (unique per boot).</param>
/// <param name="Class">The model's predicted class, or null (a score model, or no prediction).</param>
/// <param name="Score">The defect score, or the probability of the predicted class; null without a prediction.</param>
/// <param name="Decision">"pass", "fail" or "noDecision".</param>
/// <param name="DecidedBy">"model", "human" or "none".</param>
/// <param name="HumanVerdict">"pass", "fail", "unsure", "timeout", or null when no inspector was asked.</param>
/// <param name="CaptureUtc">When the frame was captured.</param>
/// <param name="DecisionUtc">When the part was decided.</param>
internal sealed record PartResult(
    string CameraId,
    string PartId,
    string? Class,
    double? Score,
    string Decision,
    string DecidedBy,
    string? HumanVerdict,
    DateTimeOffset CaptureUtc,
    DateTimeOffset DecisionUtc);

/// <summary>What the edge node is told about the station at start, before any snapshot arrives.</summary>
/// <param name="Mode">The automation mode at start, lower case.</param>
/// <param name="ActiveModel">The active model, or null.</param>
/// <param name="CandidateModel">The candidate model, or null.</param>
/// <param name="Cameras">The station's cameras: one Sparkplug device each.</param>
/// <param name="DriftDetectors">The drift detectors' names (DriftMonitor.AlertNames), so their metrics are in the first birth.</param>
/// <param name="Software">The software version, for Properties/Software.</param>
internal sealed record EdgeNodeStart(
    string Mode,
    ModelIdentity? ActiveModel,
    ModelIdentity? CandidateModel,
    IReadOnlyList<string> Cameras,
    IReadOnlyList<string> DriftDetectors,
    string Software);
