using System.Text.Json;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Records;
using EdgeInspect.Core.Statistics;

namespace EdgeInspect.Core.Tests.Records;

public sealed class EventJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_Mode_Change_Event_Says_Who_Or_What_Changed_The_Mode_In_The_Wire_Form_Of_docs_mqtt()
    {
        var body = StationEventWire.ToBody(new ModeChanged(At, AutomationMode.Shadow, AutomationMode.Assist, ModeChangeSource.Command, "supervisor-ana", "model agrees at 97%", "demo-2026-11-22.1"));

        Assert.Equal("mode-changed", body.Type);
        Assert.Equal("mode Shadow -> Assist by supervisor-ana: model agrees at 97%", body.Message);
        Assert.Equal(
            new Dictionary<string, string> { ["from"] = "Shadow", ["to"] = "Assist", ["source"] = "Command", ["changedBy"] = "supervisor-ana", ["configRevision"] = "demo-2026-11-22.1" },
            body.Detail);
    }

    [Fact]
    public void The_Startup_Mode_Has_No_Previous_Mode_And_A_Fallback_Names_The_Alert()
    {
        var startup = StationEventWire.ToBody(new ModeChanged(At, null, AutomationMode.Shadow, ModeChangeSource.Startup, "startup", null, "r1"));
        var fallback = StationEventWire.ToBody(new ModeChanged(At, AutomationMode.Live, AutomationMode.Shadow, ModeChangeSource.AlertFallback, "cam0.brightness.distribution", "alert fallback policy", "r1"));

        Assert.Equal(("started in Shadow", ""), (startup.Message, startup.Detail!["from"]));
        Assert.Equal("Startup", startup.Detail["source"]);
        Assert.Equal("mode Live -> Shadow by cam0.brightness.distribution: alert fallback policy", fallback.Message);
        Assert.Equal("AlertFallback", fallback.Detail!["source"]);
    }

    [Fact]
    public void Model_Events_Name_The_Slot_The_Model_And_Who_Asked()
    {
        var model = new ModelIdentity("phone-cover-defects", "1.1.0", "ab12cd34ef56ab12cd34ef56");
        var loaded = StationEventWire.ToBody(new CandidateLoaded(At, model, "test", "r1"));
        var promoted = StationEventWire.ToBody(new ModelPromoted(At, model, "promotion gate (auto)", "r1"));
        var rolledBack = StationEventWire.ToBody(new ModelRolledBack(At, model, "ops", "r2"));

        Assert.Equal(("model-loaded", "candidate phone-cover-defects 1.1.0 (sha256 ab12cd34ef56) loaded by test"), (loaded.Type, loaded.Message));
        Assert.Equal(("candidate", "1.1.0", "r1"), (loaded.Detail!["slot"], loaded.Detail["version"], loaded.Detail["configRevision"]));
        Assert.Equal(("model-promoted", "active", "promotion gate (auto)"), (promoted.Type, promoted.Detail!["slot"], promoted.Detail["by"]));
        Assert.Equal(("model-rolled-back", "phone-cover-defects 1.1.0 (sha256 ab12cd34ef56) is active again (by ops)"), (rolledBack.Type, rolledBack.Message));
    }

    [Fact]
    public void A_Met_Promotion_Gate_Gives_Each_Criterion_Its_Reason_And_A_Capture_Change_Its_Camera()
    {
        var evaluation = new PromotionGate(new PromotionOptions { MinParts = 10, MinAgreement = 0.5, MinDefectRecallLowerBound = 0.1 }).Evaluate(new ConfusionCounts(40, 0, 0, 60));
        var gate = StationEventWire.ToBody(new PromotionGateMet(At, "candidate m 2", evaluation));
        var capture = StationEventWire.ToBody(new CaptureChanged(At, CaptureEventKind.StreamEnded, "cam0", "the file ended", 150));

        Assert.Equal(("promotion-ready", "promotion gate met for candidate m 2"), (gate.Type, gate.Message));
        Assert.Equal(["MinParts", "MinAgreement", "MinDefectRecallLowerBound"], gate.Detail!.Keys);
        Assert.Equal(("capture-streamended", "cam0", "150"), (capture.Type, capture.Detail!["camera"], capture.Detail["lastSeq"]));
    }

    [Fact]
    public void A_Promotion_Evaluation_Lists_Each_Criterion_With_Actual_And_Required()
    {
        var evaluation = new PromotionGate(new PromotionOptions { MinParts = 500 }).Evaluate(new ConfusionCounts(10, 0, 0, 90));

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(evaluation, RecordJsonContext.Default.PromotionEvaluation));
        var first = json.RootElement.GetProperty("criteria")[0];

        Assert.False(json.RootElement.GetProperty("ready").GetBoolean());
        Assert.Equal("minParts", first.GetProperty("criterion").GetString());
        Assert.Equal((100.0, 500.0), (first.GetProperty("actual").GetDouble(), first.GetProperty("required").GetDouble()));
    }
}
