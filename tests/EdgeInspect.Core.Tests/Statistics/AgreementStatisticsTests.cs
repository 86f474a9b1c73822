using System.Text.Json;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;
using EdgeInspect.Core.Statistics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Statistics;

public sealed class AgreementStatisticsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Parts_Are_Sliced_By_Inspector_And_By_Camera()
    {
        var stats = new AgreementStatistics(AutomationMode.Shadow, windowParts: 100, _time);
        stats.RecordPart("alice", "cam0", Verdict.Fail, Verdict.Fail);
        stats.RecordPart("alice", "cam1", Verdict.Pass, Verdict.Fail);
        stats.RecordPart("bob", "cam1", Verdict.Pass, Verdict.Pass);

        var snapshot = stats.Snapshot();

        Assert.Equal(3, snapshot.ModelVsHuman.Cumulative.Parts);
        Assert.Equal(2, snapshot.ByInspector["alice"].Cumulative.Parts);
        Assert.Equal(0.5, snapshot.ByInspector["alice"].Cumulative.Agreement);
        Assert.Equal(1.0, snapshot.ByInspector["bob"].Cumulative.Agreement);
        Assert.Equal(1, snapshot.ByCamera["cam1"].Cumulative.FalseNegative);
        Assert.Equal(1, snapshot.ByCamera["cam0"].Cumulative.TruePositive);
    }

    [Fact]
    public void Unlabeled_And_Unsure_Parts_Are_Counted_But_Not_Compared()
    {
        var stats = new AgreementStatistics(AutomationMode.Shadow, 100, _time);
        stats.RecordPart("alice", "cam0", Verdict.Fail, null);
        stats.RecordPart("alice", "cam0", Verdict.Fail, Verdict.Unsure);

        var snapshot = stats.Snapshot();

        Assert.Equal((0L, 1L, 1L), (snapshot.ModelVsHuman.Cumulative.Parts, snapshot.UnlabeledParts, snapshot.UnsureVerdicts));
    }

    [Fact]
    public void Cumulative_Figures_Cover_The_Mode_While_The_Window_Covers_The_Last_Parts()
    {
        var stats = new AgreementStatistics(AutomationMode.Canary, windowParts: 10, _time);
        for (var i = 0; i < 30; i++)
        {
            stats.RecordPart("alice", "cam0", Verdict.Pass, i < 20 ? Verdict.Fail : Verdict.Pass);
        }

        var snapshot = stats.Snapshot();

        Assert.Equal(30, snapshot.ModelVsHuman.Cumulative.Parts);
        Assert.Equal(10.0 / 30, snapshot.ModelVsHuman.Cumulative.Agreement!.Value, 12);
        Assert.Equal(10, snapshot.ModelVsHuman.Window.Parts);
        Assert.Equal(1.0, snapshot.ModelVsHuman.Window.Agreement);
    }

    [Fact]
    public void Starting_A_Mode_Starts_Its_Statistics_From_Zero()
    {
        var stats = new AgreementStatistics(AutomationMode.Shadow, 100, _time);
        stats.RecordPart("alice", "cam0", Verdict.Fail, Verdict.Fail);
        _time.Advance(TimeSpan.FromMinutes(5));

        stats.StartMode(AutomationMode.Canary);
        var snapshot = stats.Snapshot();

        Assert.Equal("canary", snapshot.Mode);
        Assert.Equal(_time.GetUtcNow(), snapshot.ModeSince);
        Assert.Equal(0, snapshot.ModelVsHuman.Cumulative.Parts);
        Assert.Empty(snapshot.ByInspector);
    }

    [Fact]
    public void Two_Inspectors_On_The_Same_Parts_Give_One_Inter_Inspector_Agreement_Whatever_The_Order()
    {
        var stats = new AgreementStatistics(AutomationMode.Live, 100, _time);
        stats.RecordInterInspector("bob", Verdict.Fail, "alice", Verdict.Fail);
        stats.RecordInterInspector("alice", Verdict.Pass, "bob", Verdict.Fail);
        stats.RecordInterInspector("alice", Verdict.Pass, "bob", Verdict.Pass);

        var pair = Assert.Single(stats.Snapshot().InterInspector);

        Assert.Equal(("alice", "bob", 3L), (pair.InspectorA, pair.InspectorB, pair.Figures.Parts));
        Assert.Equal(2.0 / 3, pair.Figures.Agreement!.Value, 12);
    }

    [Fact]
    public void Model_Against_Model_Agreement_Uses_The_Same_Figures()
    {
        var candidateVsActive = new PairedAgreement(windowParts: 50);
        candidateVsActive.Add(judge: Verdict.Fail, reference: Verdict.Fail);
        candidateVsActive.Add(judge: Verdict.Pass, reference: Verdict.Fail);
        Assert.False(candidateVsActive.Add(Verdict.Unsure, Verdict.Pass));

        Assert.Equal(0.5, candidateVsActive.Snapshot().Cumulative.DefectRecall);
    }

    [Fact]
    public void The_Snapshot_Serializes_To_Camel_Case_Json_For_The_Metrics_Topic()
    {
        var stats = new AgreementStatistics(AutomationMode.Shadow, 100, _time);
        stats.RecordPart("alice", "cam0", Verdict.Fail, Verdict.Fail);
        stats.RecordPart("alice", "cam0", Verdict.Pass, Verdict.Pass);

        var json = JsonSerializer.Serialize(stats.Snapshot(), RecordJsonContext.Default.AgreementSnapshot);
        using var document = JsonDocument.Parse(json);
        var overall = document.RootElement.GetProperty("modelVsHuman").GetProperty("cumulative");

        Assert.Equal("shadow", document.RootElement.GetProperty("mode").GetString());
        Assert.Equal(1.0, overall.GetProperty("kappa").GetDouble());
        Assert.True(overall.GetProperty("agreementInterval95").GetProperty("lower").GetDouble() > 0);
        Assert.True(document.RootElement.GetProperty("byInspector").TryGetProperty("alice", out _));
    }
}
