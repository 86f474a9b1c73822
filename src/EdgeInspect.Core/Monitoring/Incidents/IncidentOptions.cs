using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Monitoring.Incidents;

/// <summary>
/// The "monitoring:incidents" section: how alert transitions are grouped into incidents, how often an open incident's
/// changes are published, and the levels the diagnosis rules use (docs/drift.md, "Incidents").
/// </summary>
/// <remarks>
/// The rule levels are physical quantities, not scores fitted to one data set: a shift in reference standard
/// deviations (and in standard errors), a sharpness change beyond what the gain explains, a share of clipped pixels. They were checked on the
/// phone-v1 scenarios (docs/drift.md) but chosen from what each quantity means, so that other lines read the same way.
/// </remarks>
public sealed class IncidentOptions : IConfigSection
{
    /// <summary>
    /// Alerts that start within this of each other belong to one incident: a warning that began at most this long
    /// before the first alert joins the incident it raises. Once an incident is open, every alert that starts joins
    /// it until all its members have cleared.
    /// </summary>
    public TimeSpan GroupWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// At most one "updated" message per incident per interval: members that join and diagnoses that change within it
    /// are folded into the next one. Zero publishes every change.
    /// </summary>
    public TimeSpan UpdateInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Warnings of this many different metrics within <see cref="GroupWindow"/> raise an incident before any of them
    /// reaches ALERT (0: only an ALERT raises one). One change of the line sets off several detectors at once; their
    /// agreement confirms it as K consecutive breaches confirm one detector, and the incident is raised a confirmation
    /// sooner. A single warning never raises anything.
    /// </summary>
    public int RaiseOnWarnings { get; set; } = 3;

    /// <summary>
    /// An input metric has moved when its recent mean lies this many reference standard deviations (of single frames)
    /// from the baseline's mean, and that is also <see cref="EvidenceZ"/> standard errors (below). 0.5: a 20% change of
    /// light moves brightness by about that much on a line with the reference's spread.
    /// </summary>
    public double MovedEffect { get; set; } = 0.5;

    /// <summary>
    /// A shift counts only when it is also this many standard errors of the recent mean (effect × √frames): over 100
    /// frames 0.5 standard deviations is 5 standard errors, over 25 frames it takes 0.8. Chance alone does not reach it.
    /// </summary>
    public double EvidenceZ { get; set; } = 4;

    /// <summary>
    /// The diagnosis reads the frames since the incident's first member rose, but at least this many (up to the
    /// monitor's evidence window): a change that began a moment ago is not diluted by the frames before it.
    /// </summary>
    public int MinEvidenceFrames { get; set; } = 25;

    /// <summary>
    /// Focus: sharpness (Laplacian variance, so amplitude squared) changed beyond what the gain explains by this much,
    /// as |½ ln(sharpness ratio) − ln(brightness ratio)|. A pure gain leaves it at 0; 0.35 is a 30% loss of edge
    /// amplitude that the light does not account for (the blur set reads about 1.0).
    /// </summary>
    public double SharpnessResidual { get; set; } = 0.35;

    /// <summary>
    /// A camera fault without capture's flags: the recent frames' ROI is this much clipped black (dark_clipped) or
    /// white (bright_clipped). A dim line stays far below it; a covered lens or a blown exposure does not.
    /// </summary>
    public double ClippedFraction { get; set; } = 0.9;

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        void Check(bool ok, string field, object value, string expected)
        {
            if (!ok)
            {
                errors.Add(new ConfigError(ConfigPath.Join(path, field), $"is {value}", expected));
            }
        }

        Check(GroupWindow >= TimeSpan.Zero && GroupWindow <= TimeSpan.FromHours(1), "groupWindow", GroupWindow, "a TimeSpan from 00:00:00 to 01:00:00 (e.g. 00:00:30)");
        Check(UpdateInterval >= TimeSpan.Zero && UpdateInterval <= TimeSpan.FromHours(1), "updateInterval", UpdateInterval, "a TimeSpan from 00:00:00 to 01:00:00 (e.g. 00:00:10; zero for every change)");
        Check(MovedEffect is > 0 and <= 10, "movedEffect", MovedEffect, "a number of reference standard deviations above 0, at most 10 (e.g. 0.5)");
        Check(RaiseOnWarnings is >= 0 and <= 100, "raiseOnWarnings", RaiseOnWarnings, "a number of metrics from 0 (only an ALERT raises) to 100 (e.g. 3)");
        Check(EvidenceZ is > 0 and <= 20, "evidenceZ", EvidenceZ, "a number of standard errors above 0, at most 20 (e.g. 4)");
        Check(MinEvidenceFrames is >= 5 and <= 10_000, "minEvidenceFrames", MinEvidenceFrames, "a number of frames from 5 to 10000 (e.g. 25)");
        Check(SharpnessResidual is > 0 and <= 5, "sharpnessResidual", SharpnessResidual, "a log amplitude above 0, at most 5 (e.g. 0.35)");
        Check(ClippedFraction is > 0 and <= 1, "clippedFraction", ClippedFraction, "a fraction of the ROI above 0, at most 1 (e.g. 0.9)");
    }
}
