using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Core.Statistics;

/// <summary>A two-sided interval, e.g. a Wilson 95% confidence interval.</summary>
public readonly record struct Interval(double Lower, double Upper);

/// <summary>
/// A 2x2 confusion matrix of a judge (the model) against a reference (the human). A defect (<see cref="Verdict.Fail"/>)
/// is the positive class: a true positive is a part both call defective.
/// </summary>
public readonly record struct ConfusionCounts(long TruePositive, long FalsePositive, long FalseNegative, long TrueNegative)
{
    /// <summary>z for a two-sided 95% interval (the 97.5th percentile of the standard normal).</summary>
    public const double Z95 = 1.959963984540054;

    public long Total => TruePositive + FalsePositive + FalseNegative + TrueNegative;

    public long Agreements => TruePositive + TrueNegative;

    /// <summary>Fraction of parts where judge and reference agree; null with no parts.</summary>
    public double? Agreement => Ratio(Agreements, Total);

    /// <summary>Of the parts the judge called defective, the fraction the reference also did: TP / (TP + FP).</summary>
    public double? DefectPrecision => Ratio(TruePositive, TruePositive + FalsePositive);

    /// <summary>Of the parts the reference called defective, the fraction the judge caught: TP / (TP + FN).</summary>
    public double? DefectRecall => Ratio(TruePositive, TruePositive + FalseNegative);

    public Interval? AgreementInterval => Wilson(Agreements, Total);

    public Interval? DefectPrecisionInterval => Wilson(TruePositive, TruePositive + FalsePositive);

    public Interval? DefectRecallInterval => Wilson(TruePositive, TruePositive + FalseNegative);

    /// <summary>
    /// Cohen's kappa, agreement corrected for chance: κ = (pₒ − pₑ) / (1 − pₑ), where pₒ is the observed agreement and
    /// pₑ = (p_judge_fail · p_ref_fail) + (p_judge_pass · p_ref_pass) the agreement expected from the marginals alone
    /// (Cohen 1960). Null with no parts, or when pₑ = 1 (both always say the same single class; kappa is undefined).
    /// </summary>
    public double? Kappa
    {
        get
        {
            double n = Total;
            if (n == 0)
            {
                return null;
            }

            var observed = Agreements / n;
            var judgeFail = (TruePositive + FalsePositive) / n;
            var referenceFail = (TruePositive + FalseNegative) / n;
            var expected = (judgeFail * referenceFail) + ((1 - judgeFail) * (1 - referenceFail));
            return expected >= 1.0 ? null : (observed - expected) / (1 - expected);
        }
    }

    /// <summary>Adds one part judged <paramref name="judge"/> by the judge and <paramref name="reference"/> by the reference (pass/fail only).</summary>
    public ConfusionCounts Add(Verdict judge, Verdict reference) => Cell(judge, reference) switch
    {
        Cells.TruePositive => this with { TruePositive = TruePositive + 1 },
        Cells.FalsePositive => this with { FalsePositive = FalsePositive + 1 },
        Cells.FalseNegative => this with { FalseNegative = FalseNegative + 1 },
        _ => this with { TrueNegative = TrueNegative + 1 },
    };

    public static ConfusionCounts operator +(ConfusionCounts a, ConfusionCounts b) =>
        new(a.TruePositive + b.TruePositive, a.FalsePositive + b.FalsePositive, a.FalseNegative + b.FalseNegative, a.TrueNegative + b.TrueNegative);

    /// <summary>
    /// The Wilson score interval for a proportion of <paramref name="successes"/> in <paramref name="trials"/> (Wilson 1927):
    /// centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²).
    /// Unlike the normal approximation it stays inside [0, 1] and behaves at p̂ = 0 or 1 and small n. Null when n = 0.
    /// </summary>
    public static Interval? Wilson(long successes, long trials, double z = Z95)
    {
        if (trials <= 0)
        {
            return null;
        }

        double n = trials;
        var p = successes / n;
        var z2 = z * z;
        var denominator = 1 + (z2 / n);
        var centre = (p + (z2 / (2 * n))) / denominator;
        var half = z / denominator * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return new Interval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    internal static Cells Cell(Verdict judge, Verdict reference) => (judge == Verdict.Fail, reference == Verdict.Fail) switch
    {
        (true, true) => Cells.TruePositive,
        (true, false) => Cells.FalsePositive,
        (false, true) => Cells.FalseNegative,
        _ => Cells.TrueNegative,
    };

    internal ConfusionCounts Add(Cells cell, long delta) => cell switch
    {
        Cells.TruePositive => this with { TruePositive = TruePositive + delta },
        Cells.FalsePositive => this with { FalsePositive = FalsePositive + delta },
        Cells.FalseNegative => this with { FalseNegative = FalseNegative + delta },
        _ => this with { TrueNegative = TrueNegative + delta },
    };

    private static double? Ratio(long numerator, long denominator) => denominator == 0 ? null : (double)numerator / denominator;

    internal enum Cells : byte
    {
        TruePositive,
        FalsePositive,
        FalseNegative,
        TrueNegative,
    }
}
