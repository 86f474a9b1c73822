using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Statistics;

namespace EdgeInspect.Core.Tests.Promotion;

public sealed class PromotionGateTests
{
    private static PromotionGate Gate(int minParts = 500, double minAgreement = 0.95, double minRecallLower = 0.85) =>
        new(new PromotionOptions { MinParts = minParts, MinAgreement = minAgreement, MinDefectRecallLowerBound = minRecallLower });

    [Fact]
    public void A_Candidate_Meeting_Every_Criterion_Is_Ready()
    {
        // 600 parts, 100 defects of which 98 caught, 4 false alarms: agreement 0.99, recall lower bound ≈ 0.93.
        var evaluation = Gate().Evaluate(new ConfusionCounts(98, 4, 2, 496));

        Assert.True(evaluation.Ready);
        Assert.Empty(evaluation.Failures);
        Assert.Equal(3, evaluation.Criteria.Count);
    }

    [Fact]
    public void Too_Few_Parts_Is_Reported_With_The_Actual_And_Required_Counts()
    {
        var evaluation = Gate(minParts: 500).Evaluate(new ConfusionCounts(50, 0, 0, 50));

        var failure = Assert.Single(evaluation.Failures);
        Assert.False(evaluation.Ready);
        Assert.Equal((PromotionCriterion.MinParts, 100.0, 500.0), (failure.Criterion, failure.Actual!.Value, failure.Required));
        Assert.Contains("only 100 parts compared; at least 500 needed", failure.Reason);
    }

    [Fact]
    public void Recall_Is_Judged_By_Its_Lower_Wilson_Bound_Not_Its_Point_Value()
    {
        // Recall 45/50 = 0.9 looks fine, but its 95% Wilson lower bound is 0.786, under the 0.85 required.
        var evaluation = Gate(minParts: 100, minAgreement: 0.9).Evaluate(new ConfusionCounts(45, 0, 5, 450));

        var failure = Assert.Single(evaluation.Failures);
        Assert.Equal(PromotionCriterion.MinDefectRecallLowerBound, failure.Criterion);
        Assert.Equal(0.786, failure.Actual!.Value, 3);
        Assert.Contains("below 0.85", failure.Reason);
    }

    [Fact]
    public void Low_Agreement_And_Unknown_Recall_Are_Both_Reported()
    {
        var evaluation = Gate(minParts: 10).Evaluate(new ConfusionCounts(0, 30, 0, 70));

        Assert.Equal([PromotionCriterion.MinAgreement, PromotionCriterion.MinDefectRecallLowerBound], evaluation.Failures.Select(f => f.Criterion));
        Assert.Contains("no defects confirmed", evaluation.Failures.Last().Reason);
    }

    [Fact]
    public void Readiness_Is_Reported_Once_When_It_Changes()
    {
        var gate = Gate(minParts: 10, minAgreement: 0.9, minRecallLower: 0.5);
        var good = new ConfusionCounts(20, 0, 0, 20);
        var bad = new ConfusionCounts(0, 20, 20, 0);

        Assert.Equal(GateTransition.BecameReady, gate.Observe(good).Transition);
        Assert.Equal(GateTransition.None, gate.Observe(good).Transition);
        Assert.Equal(GateTransition.NoLongerReady, gate.Observe(bad).Transition);
        Assert.Equal(GateTransition.None, gate.Observe(bad).Transition);
    }

    [Theory]
    [InlineData(true, "drift-brightness", AutomationMode.Live, AutomationMode.Shadow)]
    [InlineData(true, "audit-disagreement", AutomationMode.Canary, AutomationMode.Shadow)]
    [InlineData(true, "drift-brightness", AutomationMode.Assist, null)]
    [InlineData(true, "broker-offline", AutomationMode.Live, null)]
    [InlineData(false, "drift-brightness", AutomationMode.Live, null)]
    public void An_Alert_Falls_Back_To_Shadow_Only_When_Configured_And_The_Model_Decides(bool enabled, string alert, AutomationMode current, AutomationMode? expected)
    {
        var gate = new PromotionGate(new PromotionOptions
        {
            FallbackToShadow = new ShadowFallbackOptions { Enabled = enabled, Alerts = ["drift*", ShadowFallbackOptions.AuditDisagreementAlert] },
        });

        Assert.Equal(expected, gate.FallbackFor(alert, current));
    }

    [Fact]
    public void Invalid_Criteria_Are_Each_Reported_With_Their_Path()
    {
        var errors = new List<ConfigError>();
        new PromotionOptions { MinParts = 0, MinAgreement = 1.2, FallbackToShadow = new() { Enabled = true } }.Validate("promotion", errors);

        Assert.Equal(["promotion:minParts", "promotion:minAgreement", "promotion:fallbackToShadow:alerts"], errors.Select(e => e.Path));
    }
}
