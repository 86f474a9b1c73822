using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Core.Tests.Automation;

public sealed class DecisionPolicyTests
{
    private const long Boot = 1795337400123;

    private static DecisionPolicy Policy(AutomationMode mode, double canary = 0.1, double audit = 0.02, double partialAudit = 0.0, NoDecisionAction onNone = NoDecisionAction.Reject) =>
        new(mode, canary, audit, partialAudit, onNone);

    /// <summary>A scripted line: model and inspector verdicts that disagree on some parts, uncertain on others.</summary>
    private static IEnumerable<(string PartId, ModelSummary Model, Verdict Human)> Parts(int count, int seed = 7)
    {
        var random = new Random(seed);
        for (var i = 1; i <= count; i++)
        {
            var model = random.NextDouble() < 0.2 ? Verdict.Fail : Verdict.Pass;
            var human = random.NextDouble() < 0.1 ? (model == Verdict.Pass ? Verdict.Fail : Verdict.Pass) : model;
            yield return (PartIds.Format("station3", Boot, i), new ModelSummary(model, random.NextDouble() < 0.15), human);
        }
    }

    [Fact]
    public void In_Shadow_Every_Final_Decision_Equals_The_Inspectors_Verdict()
    {
        var policy = Policy(AutomationMode.Shadow);
        var disagreements = 0;
        foreach (var (id, model, human) in Parts(1000))
        {
            var routing = policy.Route(id, model);
            Assert.True(routing.AskHuman);
            Assert.True(routing.WaitForHuman);
            var outcome = policy.Decide(routing, model, human);
            Assert.Equal(human == Verdict.Fail ? FinalDecision.Fail : FinalDecision.Pass, outcome.Decision);
            Assert.Equal(DecidedBy.Human, outcome.DecidedBy);
            disagreements += outcome.Agreement == false ? 1 : 0;
        }

        Assert.InRange(disagreements, 1, 999); // the script really did disagree, so "equals the human" was tested
    }

    [Fact]
    public void In_Live_Every_Final_Decision_Equals_The_Models_Verdict_Even_When_An_Audit_Disagrees()
    {
        var policy = Policy(AutomationMode.Live, audit: 0.05);
        var audited = 0;
        foreach (var (id, model, human) in Parts(1000))
        {
            var routing = policy.Route(id, model);
            Assert.False(routing.WaitForHuman);
            audited += routing.IsAudit ? 1 : 0;
            var outcome = policy.Decide(routing, model, routing.AskHuman ? human : null);
            Assert.Equal(model.Verdict == Verdict.Fail ? FinalDecision.Fail : FinalDecision.Pass, outcome.Decision);
            Assert.Equal(DecidedBy.Model, outcome.DecidedBy);
            Assert.Equal(model.Verdict == Verdict.Fail ? Actuation.Reject : Actuation.Accept, outcome.Actuation);
        }

        Assert.InRange(audited / 1000.0, 0.03, 0.07);
    }

    [Theory]
    [InlineData(0.10)]
    [InlineData(0.25)]
    [InlineData(0.50)]
    [InlineData(0.90)]
    public void Canary_Decides_The_Configured_Fraction_Within_Two_Points_Over_1000_Parts(double fraction)
    {
        var policy = Policy(AutomationMode.Canary, canary: fraction);
        var byModel = 0;
        foreach (var (id, model, human) in Parts(1000))
        {
            var routing = policy.Route(id, model);
            Assert.True(routing.AskHuman); // canary parts are still checked by the inspector
            var outcome = policy.Decide(routing, model, human);
            if (routing.IsCanary)
            {
                byModel++;
                Assert.Equal(DecidedBy.Model, outcome.DecidedBy);
                Assert.True(routing.IsAudit);
            }
            else
            {
                Assert.Equal(DecidedBy.Human, outcome.DecidedBy);
            }
        }

        Assert.InRange(byModel / 1000.0, fraction - 0.02, fraction + 0.02);
    }

    [Fact]
    public void Canary_Selection_Depends_Only_On_The_Part_Id_And_Grows_With_The_Fraction()
    {
        var small = Policy(AutomationMode.Canary, canary: 0.1);
        var again = Policy(AutomationMode.Canary, canary: 0.1);
        var larger = Policy(AutomationMode.Canary, canary: 0.3);
        foreach (var (id, model, _) in Parts(500))
        {
            var canary = small.Route(id, model).IsCanary;
            Assert.Equal(canary, again.Route(id, model with { Verdict = Verdict.Fail }).IsCanary);
            Assert.True(!canary || larger.Route(id, model).IsCanary, $"{id} left the canary set when the fraction grew");
        }
    }

    [Fact]
    public void Canary_And_Audit_Selections_Are_Independent_Of_Each_Other()
    {
        var both = 0;
        for (var i = 1; i <= 2000; i++)
        {
            var id = PartIds.Format("s", Boot, i);
            both += PartSelection.IsSelected(id, PartSelection.CanarySalt, 0.5) && PartSelection.IsSelected(id, PartSelection.AuditSalt, 0.5) ? 1 : 0;
        }

        Assert.InRange(both / 2000.0, 0.2, 0.3); // independent halves overlap by a quarter
    }

    [Fact]
    public void Assist_Shows_The_Models_Verdict_As_A_Suggestion_But_The_Human_Decides()
    {
        var policy = Policy(AutomationMode.Assist);
        var model = new ModelSummary(Verdict.Fail, Uncertain: false);

        var routing = policy.Route("p-1", model);
        var outcome = policy.Decide(routing, model, Verdict.Pass);

        Assert.Equal(Verdict.Fail, routing.Suggestion);
        Assert.Equal(new PartOutcome(FinalDecision.Pass, DecidedBy.Human, Actuation.Accept, Agreement: false), outcome);
    }

    [Fact]
    public void Partial_Lets_The_Model_Decide_Confident_Parts_And_Asks_The_Human_For_Uncertain_Ones()
    {
        var policy = Policy(AutomationMode.Partial);
        var confident = new ModelSummary(Verdict.Fail, Uncertain: false);
        var uncertain = new ModelSummary(Verdict.Pass, Uncertain: true);

        var confidentRouting = policy.Route("p-1", confident);
        var uncertainRouting = policy.Route("p-2", uncertain);

        Assert.False(confidentRouting.AskHuman);
        Assert.False(confidentRouting.NeedsHumanLamp);
        Assert.Equal(DecidedBy.Model, policy.Decide(confidentRouting, confident, null).DecidedBy);
        Assert.True(uncertainRouting.NeedsHumanLamp);
        Assert.True(uncertainRouting.WaitForHuman);
        Assert.Equal(new PartOutcome(FinalDecision.Fail, DecidedBy.Human, Actuation.Reject, false), policy.Decide(uncertainRouting, uncertain, Verdict.Fail));
    }

    [Fact]
    public void Partial_Audits_The_Configured_Fraction_Of_Confident_Parts()
    {
        var policy = Policy(AutomationMode.Partial, partialAudit: 0.2);
        var audited = Parts(1000).Count(p => policy.Route(p.PartId, p.Model with { Uncertain = false }).IsAudit);
        Assert.InRange(audited / 1000.0, 0.18, 0.22);
    }

    [Theory]
    [InlineData(AutomationMode.Shadow)]
    [InlineData(AutomationMode.Assist)]
    [InlineData(AutomationMode.Canary)]
    public void A_Part_Whose_Inspector_Timed_Out_Gets_No_Decision_And_Is_Rejected_Never_Passed(AutomationMode mode)
    {
        var policy = Policy(mode, canary: 0.0);
        var model = new ModelSummary(Verdict.Pass, false);

        var outcome = policy.Decide(policy.Route("p-1", model), model, human: null);

        Assert.Equal(new PartOutcome(FinalDecision.NoDecision, DecidedBy.None, Actuation.Reject, null), outcome);
    }

    [Fact]
    public void No_Decision_Can_Be_Configured_To_Hold_The_Part_Instead()
    {
        var policy = Policy(AutomationMode.Shadow, onNone: NoDecisionAction.Hold);
        var model = new ModelSummary(Verdict.Pass, false);

        Assert.Equal(Actuation.Hold, policy.Decide(policy.Route("p-1", model), model, null).Actuation);
        Assert.Equal(FinalDecision.NoDecision, policy.Decide(policy.Route("p-1", model), model, Verdict.Unsure).Decision);
    }

    [Fact]
    public void A_Fraction_Outside_Zero_To_One_Is_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy(AutomationMode.Canary, canary: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy(AutomationMode.Live, audit: double.NaN));
    }

    [Theory]
    [InlineData("shadow", AutomationMode.Shadow)]
    [InlineData("LIVE", AutomationMode.Live)]
    [InlineData(" canary ", AutomationMode.Canary)]
    public void Modes_Parse_By_Name_Ignoring_Case(string text, AutomationMode expected)
    {
        Assert.True(AutomationModes.TryParse(text, out var mode));
        Assert.Equal(expected, mode);
        Assert.Equal(text.Trim().ToLowerInvariant(), mode.ToName());
    }

    [Theory]
    [InlineData("3")]
    [InlineData("autopilot")]
    [InlineData("")]
    [InlineData(null)]
    public void Numbers_And_Unknown_Names_Are_Not_Modes(string? text) => Assert.False(AutomationModes.TryParse(text, out _));
}
