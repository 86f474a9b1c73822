using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Records;
using EdgeInspect.Core.Statistics;
using EdgeInspect.Worker.Pipeline.Routing;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Pipeline.Quality;

/// <summary>
/// What station quality asks station control to do. Quality returns these; it never pulls a lever itself, so every
/// change of mode or model goes through control, which acts and publishes the event.
/// </summary>
public abstract record StationAction;

/// <summary>An alert the promotion policy lists was raised while the model decides parts: go back to shadow.</summary>
/// <param name="Alert">The alert's name, which becomes the mode change's "changedBy".</param>
/// <param name="Reason">Why, for the audit trail.</param>
public sealed record FallBackToShadow(string Alert, string Reason) : StationAction;

/// <summary>The promotion gate's criteria became met (once per transition).</summary>
/// <param name="Evaluation">Each criterion with its value.</param>
/// <param name="AutoPromote">The policy promotes a ready candidate by itself (promotion:autoPromote).</param>
public sealed record PromotionReady(PromotionEvaluation Evaluation, bool AutoPromote) : StationAction;

/// <summary>What one message changed: the alert transitions to publish (and to group into incidents) and the actions for control.</summary>
public sealed class QualityOutcome
{
    public List<AlertTransition> Alerts { get; } = [];

    public List<StationAction> Actions { get; } = [];

    /// <summary>
    /// What the drift monitor saw when an alert rose (for the incident's diagnosis), taken on the monitor's thread under
    /// quality's lock; null when no alert rose.
    /// </summary>
    public DriftEvidence? Evidence { get; set; }

    /// <summary>The capture time of the decided part's frame (the incident engine's clock); null for other messages.</summary>
    public DateTimeOffset? FrameTime { get; set; }

    /// <summary>Which drift monitor produced the alerts (<see cref="StationQuality.DetectorGeneration"/>).</summary>
    public long Generation { get; set; }

    public void Clear()
    {
        Alerts.Clear();
        Actions.Clear();
        Evidence = null;
        FrameTime = null;
        Generation = 0;
    }
}

/// <summary>
/// The station's quality judgement, as plain logic: model-vs-human agreement (active and candidate), model-vs-model
/// agreement, the promotion gate, the fallback policy, and the drift monitor's lifetime (one per active model).
/// </summary>
/// <remarks>
/// Not thread-safe: <see cref="QualityStage"/> calls it from its loop and from control, under its lock. Nothing here
/// waits, publishes or changes the station; <see cref="Observe"/> reports what should happen in a
/// <see cref="QualityOutcome"/>. The incident engine is the next stage (<see cref="Incidents.IncidentStage"/>): it
/// gets the transitions with the monitor's evidence, which only this class can take (on the monitor's thread).
/// </remarks>
public sealed class StationQuality
{
    private readonly string _cameraId;
    private MonitoringOptions _monitoring;
    private readonly AgreementStatistics _agreement;
    private readonly AgreementStatistics _candidateAgreement;
    private readonly List<AlertTransition> _transitions = [];
    private PromotionGate _gate;
    private DriftMonitor? _drift;
    private long _modelVsModelParts;
    private long _modelVsModelAgree;
    private long _generation = 1;

    /// <param name="mode">The mode the station starts in.</param>
    /// <param name="active">The active model's manifest: its drift baseline, if it has one.</param>
    public StationQuality(AutomationMode mode, PromotionOptions promotion, MonitoringOptions monitoring, int windowParts, string cameraId, ModelManifest? active, TimeProvider time)
    {
        _cameraId = cameraId;
        _monitoring = monitoring;
        _agreement = new AgreementStatistics(mode, windowParts, time);
        _candidateAgreement = new AgreementStatistics(mode, windowParts, time);
        _gate = new PromotionGate(promotion);
        _drift = CreateDrift(active);
    }

    /// <summary>False when the active model's package has no drift baseline (data-drift alerts are off).</summary>
    public bool HasDriftMonitor => _drift is not null;

    /// <summary>
    /// Which drift monitor is in use: one more with every active model change (a new monitor starts from OK). The
    /// incident stage ignores transitions of a replaced monitor that reach it after the replacement, since they can
    /// never clear.
    /// </summary>
    public long DetectorGeneration => _generation;

    /// <summary>Takes in one message and fills <paramref name="outcome"/> with what it changed.</summary>
    /// <param name="currentMode">The station's mode now (the fallback applies only where the model decides).</param>
    /// <param name="hasCandidate">A candidate is loaded: the gate judges it instead of the active model.</param>
    public void Observe(PartMessage message, AutomationMode currentMode, bool hasCandidate, DateTimeOffset now, QualityOutcome outcome)
    {
        outcome.Generation = _generation;
        switch (message)
        {
            case DecidedPart decided:
                var facts = decided.Facts;
                outcome.FrameTime = facts.Frame.CaptureUtc;
                _drift?.ObserveFrame(decided.Metrics, decided.Flags, facts.Frame.Seq, facts.Frame.CaptureUtc);
                _drift?.ObservePrediction(decided.ClassIndex, decided.DefectScore, facts.Frame.Seq, facts.Frame.CaptureUtc);
                if (facts.Candidate is { } candidate)
                {
                    _modelVsModelParts++;
                    _modelVsModelAgree += candidate.AgreesWithActive ? 1 : 0;
                }

                if (decided.Human is { } human)
                {
                    RecordAgreement(facts, human, hasCandidate, now, outcome);
                }

                break;
            case AuditedPart audited:
                RecordAgreement(audited.Facts, audited.Audit.Human, hasCandidate, now, outcome);
                break;
            case SecondOpinion second:
                _agreement.RecordInterInspector(second.FirstInspector, second.First, second.SecondInspector, second.Second);
                break;
        }

        DrainTransitions(currentMode, outcome);
    }

    /// <summary>A new mode started: agreement is counted per mode.</summary>
    public void ModeStarted(AutomationMode mode)
    {
        _agreement.StartMode(mode);
        _candidateAgreement.StartMode(mode);
    }

    /// <summary>A new candidate runs in shadow: its agreement, the gate and the model-vs-model figures start over.</summary>
    public void CandidateLoaded(AutomationMode mode)
    {
        _candidateAgreement.StartMode(mode);
        _gate.Reset();
        _modelVsModelParts = 0;
        _modelVsModelAgree = 0;
    }

    /// <summary>Another model became active (promote, rollback): its agreement, the gate and drift start over.</summary>
    /// <returns>The new <see cref="DetectorGeneration"/>, for the incident stage's restart.</returns>
    public long ActiveModelChanged(AutomationMode mode, ModelManifest? active)
    {
        _agreement.StartMode(mode);
        _gate.Reset();
        _drift = CreateDrift(active);
        return ++_generation;
    }

    /// <summary>The hot fields of a reloaded station file: promotion criteria and drift thresholds.</summary>
    public void Reload(PromotionOptions promotion, MonitoringOptions monitoring)
    {
        _gate = new PromotionGate(promotion);
        _monitoring = monitoring;
        if (_drift is { } drift)
        {
            drift.SetThreshold(DetectorFamily.InputDistribution, monitoring.DistanceThreshold);
            drift.SetThreshold(DetectorFamily.ScoreDistribution, monitoring.DistanceThreshold);
            drift.SetThreshold(DetectorFamily.InputSequential, monitoring.SequentialLambda);
            drift.SetThreshold(DetectorFamily.DefectRate, monitoring.DefectRateThreshold);
            drift.SetThreshold(DetectorFamily.Concept, monitoring.ConceptLevelThreshold);
        }
    }

    /// <summary>Changes a drift threshold by alert name or detector family; false when there is no such detector.</summary>
    public bool SetDriftThreshold(string nameOrFamily, double threshold)
    {
        if (_drift is null)
        {
            return false;
        }

        if (Enum.TryParse<DetectorFamily>(nameOrFamily, ignoreCase: true, out var family))
        {
            _drift.SetThreshold(family, threshold);
            return true;
        }

        return _drift.SetThreshold(nameOrFamily, threshold);
    }

    public AgreementSnapshot Agreement() => _agreement.Snapshot();

    public PromotionEvaluation Promotion(bool hasCandidate) => _gate.Evaluate(GateCounts(hasCandidate));

    /// <summary>Model-vs-model agreement of the candidate in shadow: parts compared, and the fraction that agreed.</summary>
    public (long Parts, double? Agreement) ModelVsModel() =>
        (_modelVsModelParts, _modelVsModelParts == 0 ? null : (double)_modelVsModelAgree / _modelVsModelParts);

    private void RecordAgreement(PartFacts facts, HumanRecord human, bool hasCandidate, DateTimeOffset now, QualityOutcome outcome)
    {
        if (human.Verdict is not (Verdict.Pass or Verdict.Fail))
        {
            return;
        }

        _agreement.RecordPart(human.InspectorId, facts.Camera.Id, facts.Output.Verdict, human.Verdict);
        if (facts.Candidate is { } candidate)
        {
            _candidateAgreement.RecordPart(human.InspectorId, facts.Camera.Id, candidate.Output.Verdict, human.Verdict);
        }

        _drift?.ObserveAgreement(human.Verdict != facts.Output.Verdict, facts.Frame.Seq, now);
        var (evaluation, transition) = _gate.Observe(GateCounts(hasCandidate));
        if (transition == GateTransition.BecameReady)
        {
            outcome.Actions.Add(new PromotionReady(evaluation, _gate.AutoPromote));
        }
    }

    private void DrainTransitions(AutomationMode currentMode, QualityOutcome outcome)
    {
        if (_drift is null || _drift.DrainTransitions(_transitions) == 0)
        {
            return;
        }

        var rose = false;
        foreach (var transition in _transitions)
        {
            outcome.Alerts.Add(transition);
            rose |= transition.To > transition.From && !transition.IsRepeat;
            if (transition.To == AlertState.Alert && !transition.IsRepeat && _gate.FallbackFor(transition.Name, currentMode) is not null)
            {
                outcome.Actions.Add(new FallBackToShadow(transition.Name, "alert fallback policy"));
            }
        }

        // The evidence costs a copy of the monitor's recent frames: only a rise is diagnosed from it.
        outcome.Evidence = rose ? _drift.GetEvidence() : null;
        _transitions.Clear();
    }

    private ConfusionCounts GateCounts(bool hasCandidate) => hasCandidate ? _candidateAgreement.Cumulative : _agreement.Cumulative;

    private DriftMonitor? CreateDrift(ModelManifest? active) =>
        active?.Baseline is { } json ? new DriftMonitor(_cameraId, DriftBaseline.FromJson(json), _monitoring) : null;
}
