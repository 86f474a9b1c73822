using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Automation;

/// <summary>What happens physically to a part nobody decided (the inspector timed out or pressed "unsure").</summary>
public enum NoDecisionAction
{
    /// <summary>Reject it: the fail-safe default, since an undecided part must never pass silently.</summary>
    Reject,

    /// <summary>Divert it to a hold/quarantine lane for a later manual decision.</summary>
    Hold,
}

/// <summary>The "automation" section of a station file. Mode and fractions hot-reload; see the worker's reload policy.</summary>
public sealed class AutomationOptions : IConfigSection
{
    public AutomationMode Mode { get; set; } = AutomationMode.Shadow;

    /// <summary>Canary: fraction of parts, selected by part-id hash, that the model decides (0..1).</summary>
    public double CanaryFraction { get; set; } = 0.1;

    /// <summary>Live: fraction of parts, selected by part-id hash, also sent to the inspector as an audit (0..1).</summary>
    public double AuditFraction { get; set; } = 0.02;

    /// <summary>Partial: fraction of confidently model-decided parts also sent to the inspector as an audit (0..1).</summary>
    public double PartialAuditFraction { get; set; }

    /// <summary>How long a part waits for an inspector's press before it is recorded as unlabeled.</summary>
    public TimeSpan VerdictTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What to do with a part that got no decision: the human timed out, or its decision deadline passed.</summary>
    public NoDecisionAction NoDecisionAction { get; set; } = NoDecisionAction.Reject;

    /// <summary>
    /// How long after capture a part may stay undecided: the time it takes to reach the reject gate. A part still
    /// undecided then (its inspector has not answered, or inference fell behind) gets <see cref="NoDecisionAction"/> and
    /// the miss is counted; an inspector's later verdict only feeds agreement. Unset: a part waits for its inspector
    /// up to <see cref="VerdictTimeout"/>, and a part the model decides is decided whenever inference gets to it.
    /// </summary>
    public TimeSpan? DecisionDeadline { get; set; }

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        Fraction(path, "canaryFraction", CanaryFraction, errors);
        Fraction(path, "auditFraction", AuditFraction, errors);
        Fraction(path, "partialAuditFraction", PartialAuditFraction, errors);
        if (VerdictTimeout <= TimeSpan.Zero || VerdictTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "verdictTimeout"), $"is {VerdictTimeout:c}",
                "a TimeSpan above zero and at most 00:10:00, such as 00:00:05"));
        }

        if (DecisionDeadline is { } deadline && (deadline <= TimeSpan.Zero || deadline > TimeSpan.FromMinutes(10)))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "decisionDeadline"), $"is {deadline:c}",
                "a TimeSpan above zero and at most 00:10:00, such as 00:00:01.500, or no value for no deadline"));
        }

        if (!Enum.IsDefined(Mode))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "mode"), $"is {(int)Mode}", AutomationModes.ExpectedForm));
        }
    }

    internal static void Fraction(string path, string field, double value, ICollection<ConfigError> errors)
    {
        if (!(value >= 0.0 && value <= 1.0))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, field), $"is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                "a fraction from 0 to 1, such as 0.05"));
        }
    }
}
