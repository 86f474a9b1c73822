using System.Globalization;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Monitoring.Incidents;

namespace EdgeInspect.Core.Promotion;

/// <summary>The "promotion" section of a station file: when a candidate model is ready, and when to fall back to shadow.</summary>
public sealed class PromotionOptions : IConfigSection
{
    /// <summary>Parts with a pass/fail human verdict the candidate must have been compared on.</summary>
    public int MinParts { get; set; } = 500;

    /// <summary>Minimum agreement of the candidate with the inspectors (0..1).</summary>
    public double MinAgreement { get; set; } = 0.95;

    /// <summary>Minimum lower bound of the Wilson 95% interval of defect recall against the inspectors (0..1).</summary>
    public double MinDefectRecallLowerBound { get; set; } = 0.9;

    /// <summary>Promote by itself once ready. Off by default: a person decides, the gate only says "ready".</summary>
    public bool AutoPromote { get; set; }

    public ShadowFallbackOptions FallbackToShadow { get; set; } = new();

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (MinParts < 1)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "minParts"), $"is {MinParts}", "a whole number of parts, at least 1, such as 500"));
        }

        AutomationOptions.Fraction(path, "minAgreement", MinAgreement, errors);
        AutomationOptions.Fraction(path, "minDefectRecallLowerBound", MinDefectRecallLowerBound, errors);
        FallbackToShadow.Validate(ConfigPath.Join(path, "fallbackToShadow"), errors);
    }
}

/// <summary>Automatic fall back to shadow when an alert fires or an incident of a listed diagnosis is raised, if configured.</summary>
public sealed class ShadowFallbackOptions : IConfigSection
{
    /// <summary>The alert name the audit-disagreement alarm uses.</summary>
    public const string AuditDisagreementAlert = "audit-disagreement";

    public bool Enabled { get; set; }

    /// <summary>
    /// Alert names that trigger the fall back, e.g. "drift-brightness" or "audit-disagreement". A name ending in '*'
    /// matches every alert starting with the rest ("drift*").
    /// </summary>
    public List<string> Alerts { get; set; } = [];

    /// <summary>
    /// Incident diagnoses that trigger the fall back (docs/drift.md): for example ["concept", "product"], where the
    /// model's judgement can no longer be trusted, and not "lighting", which a lamp fixes while the model waits.
    /// One of lighting, product, focus, camera, output, concept, unknown.
    /// </summary>
    public List<string> Diagnoses { get; set; } = [];

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        for (var i = 0; i < Alerts.Count; i++)
        {
            if (Names.Problem(Alerts[i]) is { } problem)
            {
                errors.Add(new ConfigError(ConfigPath.Join(path, $"alerts:{i.ToString(CultureInfo.InvariantCulture)}"), problem,
                    "an alert name such as \"audit-disagreement\" or a prefix such as \"drift*\""));
            }
        }

        for (var i = 0; i < Diagnoses.Count; i++)
        {
            if (!IncidentNames.TryParseClass(Diagnoses[i], out _))
            {
                errors.Add(new ConfigError(ConfigPath.Join(path, $"diagnoses:{i.ToString(CultureInfo.InvariantCulture)}"), $"is \"{Diagnoses[i]}\"",
                    $"an incident diagnosis: {string.Join(", ", IncidentNames.ClassNames)}"));
            }
        }

        if (Enabled && Alerts.Count == 0 && Diagnoses.Count == 0)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "alerts"), "is empty while the fall back is enabled (and so are the diagnoses)",
                "at least one alert name, such as [\"drift*\", \"audit-disagreement\"], or a diagnosis in \"diagnoses\", such as [\"concept\", \"product\"]"));
        }
    }

    /// <summary>Whether an incident of this diagnosis triggers the fall back (the list is matched case-insensitively).</summary>
    public bool Covers(IncidentClass diagnosis)
    {
        foreach (var name in Diagnoses)
        {
            if (IncidentNames.TryParseClass(name, out var listed) && listed == diagnosis)
            {
                return true;
            }
        }

        return false;
    }
}
