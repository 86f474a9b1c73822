using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Statistics;

namespace EdgeInspect.Core.Tests.Statistics;

public sealed class ConfusionCountsTests
{
    // TP 20, FP 5, FN 10, TN 65 (n = 100), computed by hand:
    //   agreement pₒ = 85/100 = 0.85; model says fail 25%, human says fail 30%
    //   pₑ = 0.25·0.30 + 0.75·0.70 = 0.6;  κ = (0.85 − 0.6) / (1 − 0.6) = 0.625          (Cohen 1960)
    //   precision = 20/25 = 0.8; recall = 20/30 = 0.6667
    private static readonly ConfusionCounts Known = new(TruePositive: 20, FalsePositive: 5, FalseNegative: 10, TrueNegative: 65);

    [Fact]
    public void Kappa_Agreement_Precision_And_Recall_Match_The_Hand_Computed_Values()
    {
        Assert.Equal(100, Known.Total);
        Assert.Equal(0.85, Known.Agreement!.Value, 12);
        Assert.Equal(0.625, Known.Kappa!.Value, 12);
        Assert.Equal(0.8, Known.DefectPrecision!.Value, 12);
        Assert.Equal(2.0 / 3.0, Known.DefectRecall!.Value, 12);
    }

    // Wilson (1927): centre = (p + z²/2n)/(1 + z²/n), half = z/(1 + z²/n)·√(p(1−p)/n + z²/4n²), z = 1.959964.
    // 8 of 10: centre 0.716738, half 0.226578 → [0.4902, 0.9433] (the textbook value, e.g. Newcombe 1998, table I).
    // 0 of 10: the lower bound is 0 and the upper bound z²/(n + z²) = 0.2775.
    // 81 of 263 (Newcombe 1998, example (a)): [0.2553, 0.3662].
    [Theory]
    [InlineData(8, 10, 0.4902, 0.9433)]
    [InlineData(0, 10, 0.0, 0.2775)]
    [InlineData(10, 10, 0.7225, 1.0)]
    [InlineData(81, 263, 0.2553, 0.3662)]
    public void Wilson_Intervals_Match_Published_Values(long successes, long trials, double lower, double upper)
    {
        var interval = ConfusionCounts.Wilson(successes, trials)!.Value;

        Assert.Equal(lower, interval.Lower, 4);
        Assert.Equal(upper, interval.Upper, 4);
    }

    [Fact]
    public void Figures_Without_Data_Are_Null_Not_Zero()
    {
        var onlyPasses = default(ConfusionCounts).Add(Verdict.Pass, Verdict.Pass).Add(Verdict.Pass, Verdict.Pass);

        Assert.Null(default(ConfusionCounts).Agreement);
        Assert.Null(ConfusionCounts.Wilson(0, 0));
        Assert.Null(onlyPasses.DefectRecall); // no defect seen by the human: recall is unknown, not 0
        Assert.Null(onlyPasses.Kappa);        // both always say pass: chance agreement is 1 and kappa undefined
        Assert.Equal(1.0, onlyPasses.Agreement);
    }

    [Fact]
    public void A_Defect_Is_The_Positive_Class()
    {
        var counts = default(ConfusionCounts)
            .Add(judge: Verdict.Fail, reference: Verdict.Fail)
            .Add(judge: Verdict.Fail, reference: Verdict.Pass)
            .Add(judge: Verdict.Pass, reference: Verdict.Fail)
            .Add(judge: Verdict.Pass, reference: Verdict.Fail);

        Assert.Equal(new ConfusionCounts(1, 1, 2, 0), counts);
    }

    [Fact]
    public void The_Sliding_Window_Counts_Only_The_Last_Parts()
    {
        var window = new SlidingConfusion(capacity: 3);
        window.Add(Verdict.Fail, Verdict.Fail);
        window.Add(Verdict.Fail, Verdict.Pass);
        window.Add(Verdict.Pass, Verdict.Pass);
        window.Add(Verdict.Pass, Verdict.Fail);
        window.Add(Verdict.Pass, Verdict.Pass);

        Assert.Equal(new ConfusionCounts(0, 0, 1, 2), window.Counts);
    }
}
