using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Core.Statistics;

/// <summary>
/// Agreement of a judge against a reference, cumulative and over a sliding window of parts. Used for model vs
/// human, model vs model (candidate judged against active) and inspector vs inspector. Thread-safe; O(1) per part.
/// Verdicts other than pass/fail (unsure) are ignored: they carry no ground truth.
/// </summary>
public sealed class PairedAgreement
{
    private readonly Lock _gate = new();
    private readonly SlidingConfusion _window;
    private ConfusionCounts _cumulative;

    public PairedAgreement(int windowParts) => _window = new SlidingConfusion(windowParts);

    public int WindowParts => _window.Capacity;

    /// <summary>Cumulative counts since creation or the last <see cref="Reset"/>.</summary>
    public ConfusionCounts Cumulative
    {
        get
        {
            lock (_gate)
            {
                return _cumulative;
            }
        }
    }

    /// <summary>Counts over the last <see cref="WindowParts"/> parts.</summary>
    public ConfusionCounts Window
    {
        get
        {
            lock (_gate)
            {
                return _window.Counts;
            }
        }
    }

    /// <returns>False when either verdict is not pass/fail, and nothing was counted.</returns>
    public bool Add(Verdict judge, Verdict reference)
    {
        if (!IsGroundTruth(judge) || !IsGroundTruth(reference))
        {
            return false;
        }

        lock (_gate)
        {
            _cumulative = _cumulative.Add(judge, reference);
            _window.Add(judge, reference);
        }

        return true;
    }

    public void Reset()
    {
        lock (_gate)
        {
            _cumulative = default;
            _window.Clear();
        }
    }

    public AgreementWindowed Snapshot()
    {
        lock (_gate)
        {
            return new AgreementWindowed(AgreementFigures.From(_cumulative), AgreementFigures.From(_window.Counts));
        }
    }

    internal static bool IsGroundTruth(Verdict verdict) => verdict is Verdict.Pass or Verdict.Fail;
}
