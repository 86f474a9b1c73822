using System.Text.Json.Serialization;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Replay;

/// <summary>
/// What one replay run measured: the model against the labels, scores, latency, input drift and the frames that
/// disagree. Serialised as report.json (camelCase) and rendered as report.html from this object alone, so both
/// files always show the same numbers. Add fields; never rename or renumber them without bumping
/// <see cref="SchemaVersion"/>.
/// </summary>
public sealed record ReplayReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required ReplayRunSummary Run { get; init; }

    /// <summary>
    /// The incidents of the run, in the order they were raised: first, since one incident is what a supervisor acts
    /// on, and its member alerts (also on <see cref="InputTimeline.Alerts"/>) are the evidence.
    /// </summary>
    public IReadOnlyList<ReplayIncident> Incidents { get; init; } = [];

    /// <summary>Null when the run had no labels.</summary>
    public ReplayEvaluation? Evaluation { get; init; }

    public required ScoreHistogram Scores { get; init; }

    public required LatencyReport Latency { get; init; }

    public required InputTimeline Timeline { get; init; }

    public required DisagreementSection Disagreements { get; init; }
}

/// <summary>What the caller knows before a run: which model (as its manifest and file hash name it), which input, which mode.</summary>
public sealed record ReplayRun(ModelIdentity Model, string Source, string Mode);

public sealed record ReplayRunSummary
{
    public required ModelIdentity Model { get; init; }

    public required string Source { get; init; }

    /// <summary>shadow or live, as the replay was asked to run.</summary>
    public required string Mode { get; init; }

    public required long Frames { get; init; }

    /// <summary>Frames that had a label; the evaluation counts only these.</summary>
    public required long LabelledFrames { get; init; }

    public required double DurationSeconds { get; init; }

    public required double Fps { get; init; }

    public required DateTimeOffset StartedUtc { get; init; }

    public required DateTimeOffset EndedUtc { get; init; }

    /// <summary>The defect score at or above which a frame counts as defective in the binary view.</summary>
    public required double DefectThreshold { get; init; }
}

public sealed record ReplayEvaluation
{
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Counts indexed [true class][predicted class].</summary>
    public required IReadOnlyList<IReadOnlyList<long>> ConfusionMatrix { get; init; }

    public required IReadOnlyList<ClassMetrics> Classes { get; init; }

    public required long LabelledFrames { get; init; }

    public required long Correct { get; init; }

    public required double Accuracy { get; init; }

    public required BinaryDefectView Binary { get; init; }
}

/// <summary>Precision is null when the model never predicted the class; recall is null when no frame had it.</summary>
public sealed record ClassMetrics(int Index, string Name, double? Precision, double? Recall, long Support, long Predicted);

/// <summary>
/// The line's real question, ok or not ok, decided by the defect score against the threshold; this is what
/// would reject a part, whatever the defect class.
/// </summary>
public sealed record BinaryDefectView
{
    public required double Threshold { get; init; }

    public required long DefectFrames { get; init; }

    public required long OkFrames { get; init; }

    public required long TruePositives { get; init; }

    public required long FalseNegatives { get; init; }

    public required long FalsePositives { get; init; }

    public required long TrueNegatives { get; init; }

    /// <summary>Share of truly defective frames scored at or above the threshold; null without defect frames.</summary>
    public double? DefectRecall { get; init; }

    /// <summary>Share of truly ok frames scored at or above the threshold; null without ok frames.</summary>
    public double? FalseAlarmRate { get; init; }
}

/// <summary>Defect scores in equal bins over [0, 1]; the last bin includes 1.</summary>
public sealed record ScoreHistogram
{
    public required double Threshold { get; init; }

    /// <summary>Bin count + 1 edges.</summary>
    public required IReadOnlyList<double> BinEdges { get; init; }

    public required IReadOnlyList<long> All { get; init; }

    /// <summary>Frames labelled ok; null without labels.</summary>
    public IReadOnlyList<long>? Ok { get; init; }

    /// <summary>Frames labelled with any defect class; null without labels.</summary>
    public IReadOnlyList<long>? Defect { get; init; }
}

public sealed record LatencyReport(IReadOnlyList<StageLatency> Stages);

public static class LatencyStages
{
    public const string Preprocess = "preprocess";
    public const string Inference = "inference";
    public const string EndToEnd = "endToEnd";
}

/// <summary>
/// One pipeline stage's latency. The histogram spans <see cref="BinEdgesMs"/> (from 0, or from just below the
/// fastest frame when every frame is slow) to <see cref="HistogramTopMs"/>; when a few outliers sit
/// far above p99 the top is cut there and the last bin also counts everything above it, so the bulk stays readable.
/// </summary>
public sealed record StageLatency
{
    public required string Stage { get; init; }

    public required long Count { get; init; }

    public required double MeanMs { get; init; }

    public required double P50Ms { get; init; }

    public required double P95Ms { get; init; }

    public required double P99Ms { get; init; }

    public required double MaxMs { get; init; }

    public required double HistogramTopMs { get; init; }

    public required bool LastBinIncludesOverflow { get; init; }

    public required IReadOnlyList<double> BinEdgesMs { get; init; }

    public required IReadOnlyList<long> Counts { get; init; }
}

/// <summary>
/// Input metrics per frame, averaged over buckets of <see cref="BucketSize"/> frames when the run is long, and
/// every drift alert at its exact frame (alerts are never downsampled).
/// </summary>
public sealed record InputTimeline
{
    public required long TotalFrames { get; init; }

    public required int BucketSize { get; init; }

    public required IReadOnlyList<TimelinePoint> Points { get; init; }

    public required IReadOnlyList<AlertMarker> Alerts { get; init; }
}

/// <summary>A bucket's mean metrics; <see cref="FrameIndex"/> is the bucket's first frame.</summary>
public sealed record TimelinePoint(long FrameIndex, double Brightness, double Contrast, double Sharpness);

/// <summary>A drift alert changing state at a frame: which alert, on which input metric, and the value that did it.</summary>
/// <param name="State"><see cref="AlertStates.Raised"/> or <see cref="AlertStates.Cleared"/>, as on the alert topic.</param>
public sealed record AlertMarker(long FrameIndex, string Name, string State, string Metric, double? Value)
{
    [JsonIgnore]
    public bool IsRaised => State == AlertStates.Raised;
}

public sealed record DisagreementSection
{
    /// <summary>Every labelled frame whose predicted class differs from its label.</summary>
    public required long Total { get; init; }

    /// <summary>The first of them, up to the builder's limit.</summary>
    public required IReadOnlyList<Disagreement> Frames { get; init; }
}

/// <summary>
/// A labelled frame the model got wrong. <c>Score</c> is the defect score; <c>Thumbnail</c> is a
/// data:image/jpeg;base64 URI, or null when no thumbnail could be made.
/// </summary>
public sealed record Disagreement(long FrameIndex, string File, string TrueLabel, string Predicted, double Score, string? Thumbnail);

/// <summary>
/// One incident of a replay as it ended (or stood when the frames ran out). Frames are frame indices, as on the
/// timeline (the frame's sequence number less one); the members are as on the <c>incident</c> topic, whose
/// <c>sinceSeq</c> is a sequence number.
/// </summary>
/// <param name="Id">As on incident/state/{id}.</param>
/// <param name="State">"open" or "cleared".</param>
/// <param name="RaisedAs">The diagnosis class it was raised with (the first message); <see cref="Diagnosis"/> is its last.</param>
/// <param name="StartFrame">The frame its first member rose at.</param>
/// <param name="RaisedFrame">The frame it was raised at (its first member reached ALERT).</param>
/// <param name="EndFrame">The frame its last member cleared at; null while open.</param>
/// <param name="Messages">Incident messages it took (raised, updated, cleared), where its members took many more alert transitions.</param>
public sealed record ReplayIncident(
    string Id,
    string Camera,
    string State,
    string RaisedAs,
    IncidentDiagnosisBody Diagnosis,
    long StartFrame,
    long RaisedFrame,
    long? EndFrame,
    DateTimeOffset Start,
    DateTimeOffset Raised,
    DateTimeOffset? End,
    int Revision,
    int Messages,
    IReadOnlyList<IncidentMemberBody> Members)
{
    [JsonIgnore]
    public bool IsOpen => State == "open";
}
