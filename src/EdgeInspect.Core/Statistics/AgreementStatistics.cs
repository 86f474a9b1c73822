using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Core.Statistics;

/// <summary>
/// Model-against-human agreement for the metrics topic: overall, sliced by inspector and by camera, each cumulative
/// since the current mode started and over a sliding window; plus inter-inspector agreement where two inspectors
/// judged the same part. A mode change starts everything afresh (<see cref="StartMode"/>), so figures always describe
/// one mode. Thread-safe: the decision stage records while the metrics timer snapshots.
/// </summary>
/// <remarks>For the candidate model in blue/green, keep a second instance fed with the candidate's verdicts.</remarks>
public sealed class AgreementStatistics
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, PairedAgreement> _byInspector = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PairedAgreement> _byCamera = new(StringComparer.Ordinal);
    private readonly Dictionary<(string A, string B), PairedAgreement> _interInspector = new();
    private PairedAgreement _overall;
    private AutomationMode _mode;
    private DateTimeOffset _modeSince;
    private long _unsure;
    private long _unlabeled;

    /// <param name="mode">The mode the statistics start in.</param>
    /// <param name="windowParts">Parts in the sliding window, e.g. 500.</param>
    /// <param name="time">Stamps the mode start.</param>
    public AgreementStatistics(AutomationMode mode, int windowParts, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowParts, 1);
        ArgumentNullException.ThrowIfNull(time);
        WindowParts = windowParts;
        _time = time;
        _overall = new PairedAgreement(windowParts);
        _mode = mode;
        _modeSince = time.GetUtcNow();
    }

    public int WindowParts { get; }

    /// <summary>Overall model-vs-human counts since the mode started (e.g. for the promotion gate).</summary>
    public ConfusionCounts Cumulative => _overall.Cumulative;

    /// <summary>Starts the statistics of a new mode: every counter starts from zero.</summary>
    public void StartMode(AutomationMode mode)
    {
        lock (_gate)
        {
            _mode = mode;
            _modeSince = _time.GetUtcNow();
            _overall = new PairedAgreement(WindowParts);
            _byInspector.Clear();
            _byCamera.Clear();
            _interInspector.Clear();
            _unsure = 0;
            _unlabeled = 0;
        }
    }

    /// <summary>Records one part's model verdict against its human verdict.</summary>
    /// <param name="inspectorId">Who judged it; empty if unknown.</param>
    /// <param name="cameraId">Which camera saw it.</param>
    /// <param name="model">The model's verdict (pass/fail).</param>
    /// <param name="human">The human's verdict; null when the part timed out unlabeled.</param>
    public void RecordPart(string inspectorId, string cameraId, Verdict model, Verdict? human)
    {
        lock (_gate)
        {
            if (human is null)
            {
                _unlabeled++;
                return;
            }

            if (!PairedAgreement.IsGroundTruth(human.Value))
            {
                _unsure++;
                return;
            }

            _overall.Add(model, human.Value);
            Slice(_byInspector, inspectorId.Length == 0 ? "unknown" : inspectorId).Add(model, human.Value);
            Slice(_byCamera, cameraId).Add(model, human.Value);
        }
    }

    /// <summary>Records two inspectors' verdicts on the same part (for example a double-checked audit part).</summary>
    public void RecordInterInspector(string inspectorA, Verdict verdictA, string inspectorB, Verdict verdictB)
    {
        // One entry per unordered pair: (alice, bob) and (bob, alice) are the same comparison.
        if (string.CompareOrdinal(inspectorA, inspectorB) > 0)
        {
            (inspectorA, inspectorB) = (inspectorB, inspectorA);
            (verdictA, verdictB) = (verdictB, verdictA);
        }

        lock (_gate)
        {
            if (!_interInspector.TryGetValue((inspectorA, inspectorB), out var pair))
            {
                _interInspector[(inspectorA, inspectorB)] = pair = new PairedAgreement(WindowParts);
            }

            pair.Add(verdictA, verdictB);
        }
    }

    public AgreementSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new AgreementSnapshot(
                _mode.ToName(),
                _modeSince,
                WindowParts,
                _overall.Snapshot(),
                _byInspector.ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot(), StringComparer.Ordinal),
                _byCamera.ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot(), StringComparer.Ordinal),
                [.. _interInspector.OrderBy(kv => kv.Key.A, StringComparer.Ordinal).ThenBy(kv => kv.Key.B, StringComparer.Ordinal)
                    .Select(kv => new InterInspectorAgreement(kv.Key.A, kv.Key.B, AgreementFigures.From(kv.Value.Cumulative)))],
                _unsure,
                _unlabeled);
        }
    }

    private PairedAgreement Slice(Dictionary<string, PairedAgreement> slices, string key)
    {
        if (!slices.TryGetValue(key, out var slice))
        {
            slices[key] = slice = new PairedAgreement(WindowParts);
        }

        return slice;
    }
}
