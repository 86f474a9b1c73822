using EdgeInspect.Core.Statistics;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>
/// Cohen's kappa of a 2×2 table with its large-sample 95% interval, κ ± 1.96·√(p₀(1−p₀) / (n(1−pₑ)²)) (Cohen 1960),
/// clamped to [−1, 1]. Agreement figures carry kappa itself; the dashboard draws its interval too, so a kappa from
/// thirty parts does not look as sure as one from three thousand.
/// </summary>
public static class KappaInterval
{
    private const double Z95 = 1.959964;

    /// <summary>Kappa and its interval, or null when undefined (no parts, or every part in one class for both raters).</summary>
    public static (double Kappa, Interval Interval95)? Of(long truePositive, long falsePositive, long falseNegative, long trueNegative)
    {
        double n = truePositive + falsePositive + falseNegative + trueNegative;
        if (n <= 0)
        {
            return null;
        }

        var observed = (truePositive + trueNegative) / n;
        var expected = ((truePositive + falsePositive) * (double)(truePositive + falseNegative) + (falseNegative + trueNegative) * (double)(falsePositive + trueNegative)) / (n * n);
        if (!(expected < 1))
        {
            return null;
        }

        var kappa = (observed - expected) / (1 - expected);
        var se = Math.Sqrt(observed * (1 - observed) / (n * (1 - expected) * (1 - expected)));
        return (kappa, new Interval(Math.Max(-1, kappa - (Z95 * se)), Math.Min(1, kappa + (Z95 * se))));
    }

    public static (double Kappa, Interval Interval95)? Of(AgreementFigures figures) =>
        Of(figures.TruePositive, figures.FalsePositive, figures.FalseNegative, figures.TrueNegative);
}
