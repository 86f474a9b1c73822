using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Monitoring.Incidents;

namespace EdgeInspect.Core.Monitoring;

/// <summary>The "monitoring" section of a station config: drift windows (in frames), thresholds and alert timing.</summary>
/// <remarks>
/// The defaults were chosen on the phone-v1 frames (docs/performance.md, "Monitoring and drift"): with a 150-frame
/// reference, 6 equal-mass bins and a 400-frame window, 5,000 holdout frames (30 seeds tried) kept every input
/// metric's JS distance at or under 0.10 and raised no alert, while a 55% lighting change reads about 0.48 on
/// brightness and defocus about 0.67 on sharpness. A 300-frame window alerted on contrast in 1 of the 30 seeds.
/// </remarks>
public sealed class MonitoringOptions : IConfigSection
{
    /// <summary>Frames in each distribution window.</summary>
    public int WindowFrames { get; set; } = 400;

    /// <summary>How often the windowed detectors are evaluated (and fed to their alert state machines), in frames.</summary>
    public int EvaluateEveryFrames { get; set; } = 25;

    /// <summary>Jensen–Shannon distance (natural log, small-sample corrected) above which an input metric drifts.</summary>
    public double DistanceThreshold { get; set; } = 0.1;

    /// <summary>Whether the distance has the part two finite samples show by chance removed (see <see cref="DistributionDistance"/>).</summary>
    public bool CorrectSmallSampleBias { get; set; } = true;

    /// <summary>Page–Hinkley slack per frame, in reference standard deviations.</summary>
    public double SequentialDelta { get; set; } = 0.5;

    /// <summary>Page–Hinkley alarm threshold λ (cumulative standardized excess).</summary>
    public double SequentialLambda { get; set; } = 50;

    /// <summary>Frames in the window of model scores and defect decisions.</summary>
    public int OutputWindowFrames { get; set; } = 300;

    /// <summary>Absolute change of the windowed defect rate from the baseline's that counts as drift.</summary>
    public double DefectRateThreshold { get; set; } = 0.15;

    /// <summary>Score at or above which a prediction counts as a defect (the model's decision threshold).</summary>
    public double DefectScoreThreshold { get; set; } = 0.5;

    /// <summary>
    /// Concept-drift level (standard deviations of the recent disagreement rate over the older one) that alarms.
    /// DDM's own alarm is 3; at a steady 3% disagreement that alarmed within 1,500 verdicts in 6 of 200 seeded runs,
    /// at 4 in none, while a rise to 20% still alarmed after a median 72 verdicts (at most 143).
    /// </summary>
    public double ConceptLevelThreshold { get; set; } = 4;

    /// <summary>Verdicts seen before concept drift is judged (the recent window included).</summary>
    public int ConceptMinVerdicts { get; set; } = 300;

    /// <summary>The recent verdicts whose disagreement rate is compared with all older ones.</summary>
    public int ConceptRecentVerdicts { get; set; } = 200;

    /// <summary>
    /// Parts in the short window whose class mix and defect rate are compared with the reference's
    /// (<see cref="ShareBandDetector"/>). Short, so that a model calling every part one class is seen within 50 parts.
    /// </summary>
    public int ShareWindowParts { get; set; } = 50;

    /// <summary>Parts in that window before it is judged (at the start of a stream, or after a model change).</summary>
    public int ShareMinParts { get; set; } = 20;

    /// <summary>
    /// Standard normal quantile of the Wilson interval of a share (3.89: 99.99% two-sided). Each part is a new look at
    /// an overlapping window, so the interval is wide: over 3,000 in-distribution parts a 95% band would be crossed by chance.
    /// </summary>
    public double ShareConfidenceZ { get; set; } = 3.89;

    /// <summary>
    /// How far (in share, 0..1) the reference share must lie outside the window's interval to count as drift: the
    /// reference mix itself is estimated from a few hundred frames, and a line's mix moves a little from day to day.
    /// </summary>
    public double ShareMargin { get; set; } = 0.1;

    /// <summary>Frames whose mean is the "recent" value of each input metric in the evidence an incident is diagnosed from.</summary>
    public int EvidenceFrames { get; set; } = 100;

    /// <summary>Frames over which the share of all-black and of saturated frames (capture's flags) is taken.</summary>
    public int CameraFaultWindowFrames { get; set; } = 50;

    /// <summary>Share of all-black (or saturated) frames in that window that is a camera fault: most frames, not a few.</summary>
    public double CameraFaultFraction { get; set; } = 0.5;

    /// <summary>How alert transitions are grouped into incidents and diagnosed.</summary>
    public IncidentOptions Incidents { get; set; } = new();

    /// <summary>Fraction of a threshold a reading must fall below it to count as calm.</summary>
    public double Hysteresis { get; set; } = 0.25;

    /// <summary>K: consecutive evaluations over the threshold to raise, and under the band to clear.</summary>
    public int ConsecutiveWindows { get; set; } = 3;

    /// <summary>After an alert steps down, how long before it may be raised again.</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a standing alert is published again; zero for never.</summary>
    public TimeSpan RepeatInterval { get; set; } = TimeSpan.FromMinutes(15);

    public AlertPolicy PolicyFor(double threshold) => new(threshold, Hysteresis, ConsecutiveWindows, Cooldown, RepeatInterval);

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        void Check(bool ok, string field, object value, string expected)
        {
            if (!ok)
            {
                errors.Add(new ConfigError(ConfigPath.Join(path, field), $"is {value}", expected));
            }
        }

        Check(WindowFrames is >= 10 and <= 100_000, "windowFrames", WindowFrames, "a number of frames from 10 to 100000");
        Check(EvaluateEveryFrames >= 1 && EvaluateEveryFrames <= WindowFrames, "evaluateEveryFrames", EvaluateEveryFrames, "a number of frames from 1 to windowFrames");
        Check(DistanceThreshold is > 0 and < 0.833, "distanceThreshold", DistanceThreshold, "a Jensen–Shannon distance between 0 and 0.83 (e.g. 0.1)");
        Check(SequentialDelta >= 0, "sequentialDelta", SequentialDelta, "a non-negative number of standard deviations (e.g. 0.5)");
        Check(SequentialLambda > 0, "sequentialLambda", SequentialLambda, "a positive number (e.g. 50)");
        Check(OutputWindowFrames is >= 10 and <= 100_000, "outputWindowFrames", OutputWindowFrames, "a number of frames from 10 to 100000");
        Check(DefectRateThreshold is > 0 and < 1, "defectRateThreshold", DefectRateThreshold, "a rate difference between 0 and 1 (e.g. 0.15)");
        Check(DefectScoreThreshold is >= 0 and <= 1, "defectScoreThreshold", DefectScoreThreshold, "a score between 0 and 1");
        Check(ConceptLevelThreshold > 0, "conceptLevelThreshold", ConceptLevelThreshold, "a positive DDM level (e.g. 3)");
        Check(ConceptRecentVerdicts >= 10, "conceptRecentVerdicts", ConceptRecentVerdicts, "a number of verdicts of at least 10 (e.g. 200)");
        Check(ConceptMinVerdicts >= ConceptRecentVerdicts + 10, "conceptMinVerdicts", ConceptMinVerdicts, "at least conceptRecentVerdicts + 10 verdicts (e.g. 300)");
        Check(Hysteresis is >= 0 and < 1, "hysteresis", Hysteresis, "a fraction from 0 to below 1 (e.g. 0.25)");
        Check(ConsecutiveWindows is >= 1 and <= 1000, "consecutiveWindows", ConsecutiveWindows, "a number of windows from 1 to 1000");
        Check(Cooldown >= TimeSpan.Zero, "cooldown", Cooldown, "a non-negative TimeSpan such as 00:01:00");
        Check(RepeatInterval >= TimeSpan.Zero, "repeatInterval", RepeatInterval, "a non-negative TimeSpan such as 00:15:00 (zero for never)");
        Check(ShareWindowParts is >= 10 and <= 10_000, "shareWindowParts", ShareWindowParts, "a number of parts from 10 to 10000 (e.g. 50)");
        Check(ShareMinParts >= 5 && ShareMinParts <= ShareWindowParts, "shareMinParts", ShareMinParts, "a number of parts from 5 to shareWindowParts (e.g. 20)");
        Check(ShareConfidenceZ is > 0 and <= 10, "shareConfidenceZ", ShareConfidenceZ, "a standard normal quantile above 0, at most 10 (e.g. 3.89 for 99.99%)");
        Check(ShareMargin is > 0 and < 1, "shareMargin", ShareMargin, "a share difference between 0 and 1 (e.g. 0.1)");
        Check(EvidenceFrames is >= 10 and <= 10_000, "evidenceFrames", EvidenceFrames, "a number of frames from 10 to 10000 (e.g. 100)");
        Check(CameraFaultWindowFrames is >= 5 and <= 10_000, "cameraFaultWindowFrames", CameraFaultWindowFrames, "a number of frames from 5 to 10000 (e.g. 50)");
        Check(CameraFaultFraction is > 0 and <= 1, "cameraFaultFraction", CameraFaultFraction, "a fraction above 0, at most 1 (e.g. 0.5)");
        if (Incidents is null)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "incidents"), "is null", "a section (JSON object) of incident settings, or left out"));
        }
        else
        {
            Incidents.Validate(ConfigPath.Join(path, "incidents"), errors);
        }
    }
}
