using EdgeInspect.Core.Inspection;

// Positional records document only the parameters whose meaning the name does not carry.
#pragma warning disable CS1573

namespace EdgeInspect.Core.Automation;

/// <summary>Who made a part's final decision.</summary>
public enum DecidedBy
{
    Model,
    Human,

    /// <summary>Nobody: the human should have decided but timed out or pressed "unsure".</summary>
    None,
}

/// <summary>A part's final decision.</summary>
public enum FinalDecision
{
    Pass,
    Fail,

    /// <summary>Nobody decided. The part is actuated per <see cref="NoDecisionAction"/>, never passed.</summary>
    NoDecision,
}

/// <summary>What the actuators do with the part.</summary>
public enum Actuation
{
    Accept,
    Reject,
    Hold,
}

/// <summary>What the policy needs from the model's output.</summary>
/// <param name="Verdict">The model's verdict after its thresholds: <see cref="Verdict.Pass"/> or <see cref="Verdict.Fail"/>.</param>
/// <param name="Uncertain">Whether the score falls inside the package's uncertainty band.</param>
public readonly record struct ModelSummary(Verdict Verdict, bool Uncertain);

/// <summary>How a part is routed, known as soon as the model's output is.</summary>
/// <param name="Mode">The mode this part was routed in; the part keeps it even if the mode changes before it is decided.</param>
/// <param name="AskHuman">Send the part to the inspector (enqueue it in the verdict join).</param>
/// <param name="WaitForHuman">The final decision depends on the human verdict. When false, decide at once with no verdict.</param>
/// <param name="IsAudit">The human checks a part the model decides (live/partial audit, canary check): the verdict feeds statistics only.</param>
/// <param name="IsCanary">Canary mode selected this part for the model.</param>
/// <param name="Suggestion">Assist: the verdict to show on the suggestion lamp; null when nothing is shown.</param>
/// <param name="NeedsHumanLamp">Partial: light the "needs human" lamp, since the model is not confident.</param>
public readonly record struct PartRouting(
    AutomationMode Mode,
    bool AskHuman,
    bool WaitForHuman,
    bool IsAudit,
    bool IsCanary,
    Verdict? Suggestion,
    bool NeedsHumanLamp);

/// <summary>A part's outcome.</summary>
/// <param name="Decision">Pass, fail or no decision.</param>
/// <param name="DecidedBy">Model, human or nobody.</param>
/// <param name="Actuation">What the line does with the part.</param>
/// <param name="Agreement">Whether model and human agree; null when there is no pass/fail human verdict.</param>
public readonly record struct PartOutcome(FinalDecision Decision, DecidedBy DecidedBy, Actuation Actuation, bool? Agreement);

/// <summary>
/// The degrees of automation as a pure function (DESIGN.md's modes table). Immutable: a mode change or config reload
/// builds a new policy and swaps the reference, so a part routed under one policy is decided under the same one.
/// Thread-safe.
/// </summary>
/// <remarks>
/// A part that needs a human decision but gets none (verdict timeout, or "unsure") is <see cref="FinalDecision.NoDecision"/>
/// decided by <see cref="DecidedBy.None"/>, and is actuated by the configured <see cref="NoDecisionAction"/> (reject by
/// default, or hold). It never passes by default: an unchecked part on its way to a customer is the expensive mistake.
/// The model never silently takes over from an absent human either, because then shadow/assist would not mean "human decides".
/// </remarks>
public sealed class DecisionPolicy
{
    public DecisionPolicy(AutomationMode mode, double canaryFraction, double auditFraction, double partialAuditFraction, NoDecisionAction noDecisionAction,
        TimeSpan? decisionDeadline = null)
    {
        if (decisionDeadline is { } deadline && deadline <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(decisionDeadline), deadline, "a decision deadline must be above zero");
        }

        CheckFraction(canaryFraction, nameof(canaryFraction));
        CheckFraction(auditFraction, nameof(auditFraction));
        CheckFraction(partialAuditFraction, nameof(partialAuditFraction));
        Mode = mode;
        CanaryFraction = canaryFraction;
        AuditFraction = auditFraction;
        PartialAuditFraction = partialAuditFraction;
        NoDecisionAction = noDecisionAction;
        DecisionDeadline = decisionDeadline;
    }

    public DecisionPolicy(AutomationOptions options)
        : this(options.Mode, options.CanaryFraction, options.AuditFraction, options.PartialAuditFraction, options.NoDecisionAction, options.DecisionDeadline)
    {
    }

    public AutomationMode Mode { get; }

    public double CanaryFraction { get; }

    public double AuditFraction { get; }

    public double PartialAuditFraction { get; }

    public NoDecisionAction NoDecisionAction { get; }

    /// <summary>How long after capture a part may stay undecided; null for no deadline (see <see cref="AutomationOptions.DecisionDeadline"/>).</summary>
    public TimeSpan? DecisionDeadline { get; }

    /// <summary>A copy of this policy in another mode (cmd/set-mode, fallback to shadow).</summary>
    public DecisionPolicy WithMode(AutomationMode mode) => new(mode, CanaryFraction, AuditFraction, PartialAuditFraction, NoDecisionAction, DecisionDeadline);

    /// <summary>Routes a part once the model's output is known.</summary>
    public PartRouting Route(string partId, ModelSummary model)
    {
        ArgumentNullException.ThrowIfNull(partId);
        switch (Mode)
        {
            case AutomationMode.Shadow:
                return new PartRouting(Mode, AskHuman: true, WaitForHuman: true, IsAudit: false, IsCanary: false, Suggestion: null, NeedsHumanLamp: false);
            case AutomationMode.Assist:
                return new PartRouting(Mode, true, true, false, false, Suggestion: model.Verdict, NeedsHumanLamp: false);
            case AutomationMode.Partial:
                if (model.Uncertain)
                {
                    return new PartRouting(Mode, true, true, false, false, null, NeedsHumanLamp: true);
                }

                var partialAudit = PartSelection.IsSelected(partId, PartSelection.AuditSalt, PartialAuditFraction);
                return new PartRouting(Mode, AskHuman: partialAudit, WaitForHuman: false, IsAudit: partialAudit, false, null, false);
            case AutomationMode.Canary:
                var canary = PartSelection.IsSelected(partId, PartSelection.CanarySalt, CanaryFraction);
                // Every canary part is still checked by the human, as an audit of the model's decision.
                return new PartRouting(Mode, AskHuman: true, WaitForHuman: !canary, IsAudit: canary, IsCanary: canary, null, false);
            case AutomationMode.Live:
                var audit = PartSelection.IsSelected(partId, PartSelection.AuditSalt, AuditFraction);
                return new PartRouting(Mode, AskHuman: audit, WaitForHuman: false, IsAudit: audit, false, null, false);
            default:
                throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "unknown automation mode");
        }
    }

    /// <summary>
    /// The final decision. For a part with <see cref="PartRouting.WaitForHuman"/> false, call it at once with
    /// <paramref name="human"/> null; the audit verdict, when it arrives later, only goes to statistics.
    /// </summary>
    /// <param name="routing">What <see cref="Route"/> returned for this part.</param>
    /// <param name="model">The model's output.</param>
    /// <param name="human">The inspector's verdict, or null if none came (timeout) or none was asked for.</param>
    public PartOutcome Decide(in PartRouting routing, ModelSummary model, Verdict? human)
    {
        var agreement = human is Verdict.Pass or Verdict.Fail ? human == model.Verdict : (bool?)null;
        if (!routing.WaitForHuman)
        {
            return FromVerdict(model.Verdict, DecidedBy.Model, agreement);
        }

        return human switch
        {
            Verdict.Pass or Verdict.Fail => FromVerdict(human.Value, DecidedBy.Human, agreement),
            _ => NoDecision(agreement: null),
        };
    }

    /// <summary>
    /// The outcome of a part still undecided at its <see cref="DecisionDeadline"/>: no decision, actuated per
    /// <see cref="NoDecisionAction"/>. Whatever verdict comes later only goes to statistics.
    /// </summary>
    public PartOutcome DeadlineMissed() => NoDecision(agreement: null);

    private PartOutcome NoDecision(bool? agreement) =>
        new(FinalDecision.NoDecision, DecidedBy.None, NoDecisionAction == NoDecisionAction.Hold ? Actuation.Hold : Actuation.Reject, agreement);

    private PartOutcome FromVerdict(Verdict verdict, DecidedBy by, bool? agreement) => verdict switch
    {
        Verdict.Pass => new PartOutcome(FinalDecision.Pass, by, Actuation.Accept, agreement),
        Verdict.Fail => new PartOutcome(FinalDecision.Fail, by, Actuation.Reject, agreement),
        // A model never says "unsure" (that is the uncertainty band); treat it like a missing decision to stay safe.
        _ => NoDecision(agreement),
    };

    private static void CheckFraction(double value, string name)
    {
        if (!(value >= 0.0 && value <= 1.0))
        {
            throw new ArgumentOutOfRangeException(name, value, "a fraction must be from 0 to 1");
        }
    }
}
