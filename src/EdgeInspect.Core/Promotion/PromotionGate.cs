using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Statistics;

// Positional records document only the parameters whose meaning the name does not carry.
#pragma warning disable CS1573

namespace EdgeInspect.Core.Promotion;

/// <summary>One criterion of the promotion gate.</summary>
public enum PromotionCriterion
{
    MinParts,
    MinAgreement,
    MinDefectRecallLowerBound,
}

/// <summary>One criterion checked: met or not, with the actual value against the required one.</summary>
/// <param name="Actual">The candidate's value; null when it cannot be computed yet (no parts, or no defects seen).</param>
public sealed record CriterionResult(PromotionCriterion Criterion, bool Met, double? Actual, double Required, string Reason);

/// <summary>The gate's verdict on a candidate: ready only if every criterion is met.</summary>
public sealed record PromotionEvaluation(bool Ready, IReadOnlyList<CriterionResult> Criteria)
{
    /// <summary>The criteria not met, for the "not ready" reason in cmd/response.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<CriterionResult> Failures => Criteria.Where(c => !c.Met);
}

/// <summary>
/// The action the fall-back rule returns: switch to <paramref name="Mode"/> (shadow) because of an incident. The control
/// stage acts on it and publishes the mode change; the rule itself pulls no lever.
/// </summary>
/// <param name="Mode">The mode to fall back to.</param>
/// <param name="IncidentId">The incident that triggered it.</param>
/// <param name="Diagnosis">Its diagnosis.</param>
/// <param name="Reason">A sentence for the event and the log.</param>
public sealed record FallBackToShadow(AutomationMode Mode, string IncidentId, IncidentClass Diagnosis, string Reason);

/// <summary>What changed since the last evaluation, so "ready to promote" is published once, not every snapshot.</summary>
public enum GateTransition
{
    None,
    BecameReady,
    NoLongerReady,
}

/// <summary>
/// Decides whether a candidate model may be promoted, from its agreement with the inspectors (candidate against
/// human, counted while it ran in shadow). Evaluation is pure; <see cref="Observe"/> adds the memory of the last
/// result so the caller publishes transitions only. Thread-safe.
/// </summary>
public sealed class PromotionGate
{
    private readonly Lock _gate = new();
    private bool _ready;

    public PromotionGate(PromotionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    public PromotionOptions Options { get; }

    /// <summary>Whether a ready gate should promote by itself.</summary>
    public bool AutoPromote => Options.AutoPromote;

    /// <summary>Checks every criterion against the candidate's counts.</summary>
    public PromotionEvaluation Evaluate(ConfusionCounts candidateVsHuman)
    {
        var parts = candidateVsHuman.Total;
        var agreement = candidateVsHuman.Agreement;
        var recallLower = candidateVsHuman.DefectRecallInterval?.Lower;
        var o = Options;
        CriterionResult[] results =
        [
            new(PromotionCriterion.MinParts, parts >= o.MinParts, parts, o.MinParts,
                parts >= o.MinParts ? $"{parts} parts compared (at least {o.MinParts})" : $"only {parts} parts compared; at least {o.MinParts} needed"),
            new(PromotionCriterion.MinAgreement, agreement >= o.MinAgreement, agreement, o.MinAgreement,
                agreement is null ? "no parts compared yet"
                : agreement >= o.MinAgreement ? $"agreement {agreement:0.####} (at least {o.MinAgreement:0.####})"
                : $"agreement {agreement:0.####} is below {o.MinAgreement:0.####}"),
            new(PromotionCriterion.MinDefectRecallLowerBound, recallLower >= o.MinDefectRecallLowerBound, recallLower, o.MinDefectRecallLowerBound,
                recallLower is null ? "no defects confirmed by an inspector yet, so defect recall is unknown"
                : recallLower >= o.MinDefectRecallLowerBound ? $"defect recall lower bound {recallLower:0.####} (at least {o.MinDefectRecallLowerBound:0.####})"
                : $"defect recall lower bound {recallLower:0.####} (95% Wilson) is below {o.MinDefectRecallLowerBound:0.####}"),
        ];
        return new PromotionEvaluation(Array.TrueForAll(results, r => r.Met), results);
    }

    /// <summary>Evaluates and reports whether readiness changed since the previous call.</summary>
    public (PromotionEvaluation Evaluation, GateTransition Transition) Observe(ConfusionCounts candidateVsHuman)
    {
        var evaluation = Evaluate(candidateVsHuman);
        lock (_gate)
        {
            var transition = evaluation.Ready == _ready ? GateTransition.None : evaluation.Ready ? GateTransition.BecameReady : GateTransition.NoLongerReady;
            _ready = evaluation.Ready;
            return (evaluation, transition);
        }
    }

    /// <summary>Forgets the last result (a new candidate was loaded, or the candidate was promoted).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _ready = false;
        }
    }

    /// <summary>
    /// The mode to fall back to when <paramref name="alertName"/> is raised in <paramref name="current"/>: shadow, if the
    /// fall back is enabled, the alert is listed, and the model decides parts in the current mode (partial, canary,
    /// live); otherwise null (stay).
    /// </summary>
    public AutomationMode? FallbackFor(string alertName, AutomationMode current)
    {
        var fallback = Options.FallbackToShadow;
        if (!fallback.Enabled || !current.ModelDecides())
        {
            return null;
        }

        foreach (var pattern in fallback.Alerts)
        {
            var matches = pattern.EndsWith('*')
                ? alertName.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.OrdinalIgnoreCase)
                : alertName.Equals(pattern, StringComparison.OrdinalIgnoreCase);
            if (matches)
            {
                return AutomationMode.Shadow;
            }
        }

        return null;
    }

    /// <summary>
    /// The mode to fall back to when an incident of <paramref name="diagnosis"/> is raised (or re-diagnosed) in
    /// <paramref name="current"/>: shadow, if the fall back is enabled, the diagnosis is listed in
    /// <see cref="ShadowFallbackOptions.Diagnoses"/>, and the model decides parts in the current mode; otherwise null (stay).
    /// </summary>
    public AutomationMode? FallbackFor(IncidentClass diagnosis, AutomationMode current)
    {
        var fallback = Options.FallbackToShadow;
        return fallback.Enabled && current.ModelDecides() && fallback.Covers(diagnosis) ? AutomationMode.Shadow : null;
    }

    /// <summary>
    /// The action for one incident event: fall back to shadow when an open incident's diagnosis is listed (see
    /// <see cref="FallbackFor(IncidentClass, AutomationMode)"/>); null for a cleared incident or a diagnosis not listed.
    /// A raise and an update that changed the diagnosis both count, so an incident that becomes "concept" later still acts.
    /// </summary>
    public FallBackToShadow? FallbackFor(IncidentEvent incidentEvent, AutomationMode current)
    {
        ArgumentNullException.ThrowIfNull(incidentEvent);
        var incident = incidentEvent.Incident;
        if (incidentEvent.Kind == IncidentEventKind.Cleared || incident.State != IncidentState.Open
            || FallbackFor(incident.Diagnosis.Class, current) is not { } mode)
        {
            return null;
        }

        return new FallBackToShadow(mode, incident.Id, incident.Diagnosis.Class,
            $"incident {incident.Id} ({incident.Diagnosis.Class.Name()}, confidence {incident.Diagnosis.Confidence.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}) in {current.ToName()} mode: {incident.Diagnosis.Reason}");
    }
}
