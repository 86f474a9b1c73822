namespace EdgeInspect.Core.Monitoring;

/// <summary>What family of detector raised an alert.</summary>
public enum DetectorFamily
{
    /// <summary>Windowed JS distance of an input metric against the baseline.</summary>
    InputDistribution,

    /// <summary>Page–Hinkley on a standardized input metric.</summary>
    InputSequential,

    /// <summary>Windowed JS distance of the model's score against the baseline.</summary>
    ScoreDistribution,

    /// <summary>Windowed defect rate against the baseline's.</summary>
    DefectRate,

    /// <summary>DDM on model–human disagreements.</summary>
    Concept,

    /// <summary>The share of each predicted class among the last few parts against the reference class mix (Wilson band).</summary>
    ClassShare,

    /// <summary>The defect rate of the last few parts against the reference defect rate (Wilson band).</summary>
    DefectRateBand,

    /// <summary>The fraction of recent frames capture flagged all-black or saturated.</summary>
    CameraFault,
}

/// <summary>
/// One published alert transition, with its evidence. <see cref="Name"/> is unique per detector and camera and is the
/// {name} of the retained alert/state/{name} topic.
/// </summary>
/// <param name="Name">e.g. "cam1.brightness.distribution".</param>
/// <param name="CameraId">The camera whose frames or verdicts the detector watches.</param>
/// <param name="Family">Which kind of detector it is.</param>
/// <param name="Metric">e.g. "brightness", "score", "defect_rate", "class_share", "disagreement", "black_frames".</param>
/// <param name="From">The state before.</param>
/// <param name="To">The state after (equal to From on a repeat).</param>
/// <param name="At">The timestamp of the frame or verdict that caused it.</param>
/// <param name="ReferenceValue">The baseline's value: mean of the metric, defect rate, or DDM's minimum rate.</param>
/// <param name="CurrentValue">The window's mean of the metric, the window's defect rate, or the current disagreement rate.</param>
/// <param name="Distance">The reading compared with the threshold (JS distance, Page–Hinkley statistic, rate difference or DDM level).</param>
/// <param name="Threshold">The threshold in force.</param>
/// <param name="WindowFrames">The window the reading covers, in frames (or verdicts, for concept drift).</param>
/// <param name="WindowEndSeq">Sequence number of the last frame (or verdict) in the window.</param>
/// <param name="Kind">Sudden or gradual, from the metric's Page–Hinkley run; Unclassified where it does not apply.</param>
/// <param name="IsRepeat">A reminder of a standing alert, not a change.</param>
public sealed record AlertTransition(
    string Name,
    string CameraId,
    DetectorFamily Family,
    string Metric,
    AlertState From,
    AlertState To,
    DateTimeOffset At,
    double ReferenceValue,
    double CurrentValue,
    double Distance,
    double Threshold,
    int WindowFrames,
    long WindowEndSeq,
    DriftKind Kind,
    bool IsRepeat);
