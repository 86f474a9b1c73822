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

/// <summary>
/// Issue 18's targets over one bench run: the pipeline at its best thread setting against the bare serial loop on
/// one thread (throughput, saturated), the paced pipeline's CPU per part against the bare loop's CPU per frame,
/// managed bytes per frame, gen2 collections, RSS, and issue 13's capture→decision p99 against inference p99.
/// </summary>
/// <param name="Bare1">The bare loop on one intra-op thread (the reference of every ratio).</param>
/// <param name="BestBare">The bare loop at its best thread setting.</param>
/// <param name="Best">The unpaced pipeline at its best thread setting.</param>
/// <param name="Paced">The pipeline at the fixed rate.</param>
internal sealed record BenchSummary(BenchRunFigures? Bare1, BenchRunFigures? BestBare, BenchRunFigures? Best, BenchRunFigures? Paced, long PeakRssBytes)
{
    public double? FpsRatio => Best is null || Bare1 is null ? null : Best.Fps / Bare1.Fps;

    public double? FpsRatioToBestBare => Best is null || BestBare is null ? null : Best.Fps / BestBare.Fps;

    public double? CpuRatio => Paced is null || Bare1 is null ? null : Paced.CpuMsPerFrame / Bare1.CpuMsPerFrame;

    /// <summary>The steady-state runs of the pipeline: allocation and GC are judged over each.</summary>
    private IEnumerable<BenchRunFigures> PipelineRuns => new[] { Best, Paced }.OfType<BenchRunFigures>();

    public JsonObject ToJson() => new()
    {
        ["fpsRatioBestPipelineToBare1"] = Round(FpsRatio),
        ["fpsRatioBestPipelineToBestBare"] = Round(FpsRatioToBestBare),
        ["bestPipelineThreads"] = Best?.Threads,
        ["cpuMsPerPartAtRate"] = Round(Paced?.CpuMsPerFrame),
        ["cpuMsPerFrameBare1"] = Round(Bare1?.CpuMsPerFrame),
        ["cpuRatioPacedToBare1"] = Round(CpuRatio),
        ["allocatedBytesPerFrameMax"] = Round(PipelineRuns.Select(r => (double?)r.AllocatedPerFrame).Max()),
        ["gen2InSteadyState"] = PipelineRuns.Sum(r => r.Window.Gen2),
        ["steadyRssBytesAtRate"] = Paced?.SteadyRssBytes,
        ["peakRssBytes"] = PeakRssBytes,
        ["targets"] = new JsonObject
        {
            ["fpsRatioAtLeast1_4"] = FpsRatio is { } f ? f >= 1.4 : null,
            ["cpuRatioAtMost1_15"] = CpuRatio is { } c ? c <= 1.15 : null,
            ["allocatedPerFrameAtMost1KB"] = PipelineRuns.Any() ? PipelineRuns.All(r => r.AllocatedPerFrame <= 1024) : null,
            ["noGen2InSteadyState"] = PipelineRuns.Any() ? PipelineRuns.All(r => r.Window.Gen2 == 0) : null,
            ["steadyRssAtRateAtMost150MB"] = Paced?.SteadyRssBytes is { } rss ? rss <= 150L * 1024 * 1024 : null,
            ["captureToDecisionP99AtMostInferenceP99Plus2ms"] = Paced?.Decision?.WithinTarget,
        },
    };

    public void Print(TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double? v, string format) => v is { } x ? x.ToString(format, inv) : "-";
        output.WriteLine($"best pipeline / bare (1 thread) fps: {F(FpsRatio, "0.000")} (target >= 1.4); / best bare: {F(FpsRatioToBestBare, "0.000")}");
        output.WriteLine($"CPU ms per part at the rate / bare CPU ms per frame: {F(Paced?.CpuMsPerFrame, "0.00")} / {F(Bare1?.CpuMsPerFrame, "0.00")} = {F(CpuRatio, "0.000")} (target <= 1.15)");
        output.WriteLine($"steady RSS at the rate {F(Paced?.SteadyRssBytes / (1024.0 * 1024), "0.0")} MB (target <= 150 MB); peak RSS of the bench process {PeakRssBytes / (1024.0 * 1024):0.0} MB");
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;
}
