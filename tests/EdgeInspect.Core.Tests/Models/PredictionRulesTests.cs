using System.Collections.Immutable;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Models;

namespace EdgeInspect.Core.Tests.Models;

public sealed class PredictionRulesTests
{
    private static readonly OutputContract Classes = new(OutputKind.ClassProbabilities, "probs", ["ok", "scratch", "pit"], "ok");
    private static readonly OutputContract Score = new(OutputKind.DefectScore, "defect_score", ["ok", "defect"], "ok");
    private static readonly DecisionRules Rules = new(0.5, 0.3, 0.7);

    [Fact]
    public void Class_Probabilities_Pick_The_Most_Probable_Class_And_Score_One_Minus_P_Ok()
    {
        var (index, score, decision, uncertain) = PredictionRules.Decide([0.1f, 0.2f, 0.7f], Classes, Rules);

        Assert.Equal(2, index);
        Assert.Equal(0.9f, score, 1e-6f);
        Assert.Equal(Verdict.Fail, decision);
        Assert.False(uncertain);
    }

    [Theory]
    [InlineData(0.29f, Verdict.Pass, false)]
    [InlineData(0.30f, Verdict.Pass, true)]
    [InlineData(0.50f, Verdict.Fail, true)]
    [InlineData(0.70f, Verdict.Fail, true)]
    [InlineData(0.71f, Verdict.Fail, false)]
    public void A_Score_Model_Decides_By_Threshold_And_Flags_The_Band(float value, Verdict expected, bool uncertain)
    {
        var result = PredictionRules.Decide([value], Score, Rules);

        Assert.Equal(expected, result.Decision);
        Assert.Equal(uncertain, result.Uncertain);
        Assert.Equal(expected == Verdict.Fail ? 1 : 0, result.ClassIndex);
    }

    [Fact]
    public void The_Ok_Class_Need_Not_Be_First()
    {
        var okLast = Classes with { ClassNames = ImmutableArray.Create("scratch", "pit", "ok") };

        var result = PredictionRules.Decide([0.05f, 0.05f, 0.9f], okLast, Rules);

        Assert.Equal((2, Verdict.Pass), (result.ClassIndex, result.Decision));
        Assert.Equal(0.1f, result.DefectScore, 1e-6f);
    }
}
