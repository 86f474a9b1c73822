using System.Text.Json;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Core.Tests.Records;

public sealed class InspectionRecordJsonTests
{
    internal static InspectionRecord Sample(string partId = "station3-1795337400123-42", HumanRecord? human = null)
    {
        var capture = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        var policy = new DecisionPolicy(AutomationMode.Shadow, 0.1, 0.02, 0, NoDecisionAction.Reject);
        var model = new ModelSummary(Verdict.Fail, Uncertain: true);
        var routing = policy.Route(partId, model);
        return new InspectionRecord(
            DeviceId: "ei-arm-0042",
            BootEpochMs: 1795337400123,
            Seq: 42,
            Utc: capture.AddMilliseconds(35),
            Station: new StationRef("plant-lyon", "final-assembly", "line1", "station3"),
            PartId: partId,
            Camera: CameraRecord.From("cam-top", new CameraSettings(1280, 720, 30, double.NaN, 4, null)),
            Frame: new FrameRecord(977, FrameTrigger.Triggered, 41, capture, capture.AddMilliseconds(35), 35.2),
            Model: new ModelRef("phone-v1", "1.2.0", "ab12"),
            Mode: AutomationMode.Shadow.ToName(),
            ConfigRevision: "2026-11-20.3",
            ModelOutput: new ModelOutputRecord("scratch", 0.61, [0.39, 0.61], Verdict.Fail, true, 11.5),
            Human: human,
            Outcome: OutcomeRecord.From(policy.Decide(routing, model, human?.Verdict), routing))
        {
            Input = new InputStatisticsRecord(121.5, 40.2, 310.0, 0.001, 0.02, 110, 122, 131),
        };
    }

    [Fact]
    public void The_Record_Carries_Its_Schema_Name_And_Camel_Case_Fields()
    {
        using var json = JsonDocument.Parse(RecordJson.Serialize(Sample(human: new HumanRecord("alice", "left", Verdict.Pass, false, 830, false))));
        var root = json.RootElement;

        Assert.Equal("edgeinspect.result.v1", root.GetProperty("schema").GetString());
        Assert.Equal("station3-1795337400123-42", root.GetProperty("partId").GetString());
        Assert.Equal(1795337400123, root.GetProperty("bootEpochMs").GetInt64());
        Assert.Equal("final-assembly", root.GetProperty("station").GetProperty("area").GetString());
        Assert.Equal("triggered", root.GetProperty("frame").GetProperty("trigger").GetString());
        Assert.Equal("fail", root.GetProperty("modelOutput").GetProperty("verdict").GetString());
        Assert.Equal("pass", root.GetProperty("human").GetProperty("verdict").GetString());
        Assert.Equal("human", root.GetProperty("outcome").GetProperty("decidedBy").GetString());
        Assert.False(root.GetProperty("outcome").GetProperty("agreement").GetBoolean());
        Assert.Equal(310.0, root.GetProperty("input").GetProperty("sharpness").GetDouble());
    }

    [Fact]
    public void A_Timed_Out_Part_Is_Recorded_As_No_Decision_With_No_Human_Verdict()
    {
        using var json = JsonDocument.Parse(RecordJson.Serialize(Sample(human: new HumanRecord("alice", "left", null, true, 5000, false))));
        var root = json.RootElement;

        Assert.True(root.GetProperty("human").GetProperty("timedOut").GetBoolean());
        Assert.False(root.GetProperty("human").TryGetProperty("verdict", out _));
        Assert.Equal("noDecision", root.GetProperty("outcome").GetProperty("decision").GetString());
        Assert.Equal("none", root.GetProperty("outcome").GetProperty("decidedBy").GetString());
        Assert.Equal("reject", root.GetProperty("outcome").GetProperty("actuation").GetString());
    }

    [Fact]
    public void Camera_Settings_The_Backend_Cannot_Report_Are_Left_Out_Rather_Than_Written_As_NaN()
    {
        using var json = JsonDocument.Parse(RecordJson.Serialize(Sample()));
        var camera = json.RootElement.GetProperty("camera");

        Assert.False(camera.TryGetProperty("exposure", out _));
        Assert.Equal(4, camera.GetProperty("gain").GetDouble());
        Assert.False(json.RootElement.TryGetProperty("human", out _));
    }

    [Fact]
    public void A_Record_Reads_Back_As_It_Was_Written()
    {
        var record = Sample(human: new HumanRecord("alice", "left", Verdict.Fail, false, 830, false));

        var back = RecordJson.Deserialize(RecordJson.Serialize(record))!;

        Assert.Equal(record with { ModelOutput = null }, back with { ModelOutput = null });
        Assert.Equal(record.ModelOutput!.Probabilities, back.ModelOutput!.Probabilities);
    }

    [Fact]
    public void Part_Ids_Differ_Across_Restarts_And_Sequences_Have_No_Gaps()
    {
        var first = new RecordSequence(bootEpochMs: 1795337400123);
        var second = new RecordSequence(bootEpochMs: 1795337460456);

        var ids = new[] { first, first, second }.Select(s => PartIds.Format("station3", s.BootEpochMs, s.Next())).ToList();

        Assert.Equal(["station3-1795337400123-1", "station3-1795337400123-2", "station3-1795337460456-1"], ids);
        Assert.Equal(2, first.Last);
    }
}
