using System.Globalization;
using System.Text.Json.Nodes;
using EdgeInspect.Worker.Pipeline;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Cli;

/// <summary>
/// The bench's decision figures: capture→decision over every steady-state part, audited ones included (their
/// decision must not wait for the auditor), beside the model's own inference time, with the target
/// capture→decision p99 ≤ inference p99 + 2 ms. Exact percentiles (nearest rank) over the recorded parts.
/// </summary>
internal sealed class DecisionLatencies(int expected)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(2);
    private readonly List<double> _captureToDecisionMs = new(expected);
    private readonly List<double> _auditedMs = [];
    private readonly List<double> _inferenceMs = new(expected);
    private readonly List<double> _preprocessMs = new(expected);

    public void Add(CompletedPart part)
    {
        _captureToDecisionMs.Add(part.CaptureToDecision.TotalMilliseconds);
        _inferenceMs.Add(part.InferenceTime.TotalMilliseconds);
        _preprocessMs.Add(part.PreprocessTime.TotalMilliseconds);
        if (part.Record.Outcome.AuditPending == true)
        {
            _auditedMs.Add(part.CaptureToDecision.TotalMilliseconds);
        }
    }

    public DecisionFigures Figures() => new(
        _captureToDecisionMs.Count,
        _auditedMs.Count,
        Percentile(_captureToDecisionMs, 0.50),
        Percentile(_captureToDecisionMs, 0.99),
        _auditedMs.Count == 0 ? null : Percentile(_auditedMs, 0.99),
        Percentile(_preprocessMs, 0.99),
        Percentile(_inferenceMs, 0.99),
        Budget.TotalMilliseconds);

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>Capture→decision of every part against inference, in milliseconds.</summary>
/// <param name="AuditedParts">Parts an inspector was also asked to check (their result carries auditPending).</param>
/// <param name="AuditedP99Ms">Capture→decision p99 of the audited parts alone; null when none was audited.</param>
/// <param name="BudgetMs">What capture→decision may add to inference at p99.</param>
internal sealed record DecisionFigures(long Parts, long AuditedParts, double CaptureToDecisionP50Ms, double CaptureToDecisionP99Ms, double? AuditedP99Ms,
    double PreprocessP99Ms, double InferenceP99Ms, double BudgetMs)
{
    public bool WithinTarget => Parts > 0 && CaptureToDecisionP99Ms <= InferenceP99Ms + BudgetMs;

    public JsonObject ToJson() => new()
    {
        ["parts"] = Parts,
        ["auditedParts"] = AuditedParts,
        ["captureToDecisionP50Ms"] = Math.Round(CaptureToDecisionP50Ms, 4),
        ["captureToDecisionP99Ms"] = Math.Round(CaptureToDecisionP99Ms, 4),
        ["auditedCaptureToDecisionP99Ms"] = AuditedP99Ms is { } audited ? Math.Round(audited, 4) : null,
        ["preprocessP99Ms"] = Math.Round(PreprocessP99Ms, 4),
        ["inferenceP99Ms"] = Math.Round(InferenceP99Ms, 4),
        ["budgetMs"] = BudgetMs,
    };

    public void Print(TextWriter output) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"capture->decision over {Parts} parts ({AuditedParts} audited): p50 {CaptureToDecisionP50Ms:0.000} ms, p99 {CaptureToDecisionP99Ms:0.000} ms"
        + $"{(AuditedP99Ms is { } a ? $" (audited p99 {a:0.000} ms)" : "")}; inference p99 {InferenceP99Ms:0.000} ms; "
        + $"target p99 <= inference p99 + {BudgetMs:0} ms: {(WithinTarget ? "met" : "missed")}"));
}
