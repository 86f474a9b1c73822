using System.Text.Json;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Records;
using EdgeInspect.Core.Statistics;

namespace EdgeInspect.Core.Tests.Records;

public sealed class EventJsonTests
{
    [Fact]
    public void A_Mode_Change_Event_Says_Who_Or_What_Changed_The_Mode()
    {
        var change = new ModeChangedEvent(
            new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero), AutomationMode.Live.ToName(), AutomationMode.Shadow.ToName(),
            ModeChangeSource.AlertFallback, "drift-brightness", "brightness PSI 0.31 over 0.2", "r7");

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(change, RecordJsonContext.Default.ModeChangedEvent));
        var root = json.RootElement;

        Assert.Equal("mode-changed", root.GetProperty("kind").GetString());
        Assert.Equal(("live", "shadow"), (root.GetProperty("from").GetString(), root.GetProperty("to").GetString()));
        Assert.Equal("alertFallback", root.GetProperty("source").GetString());
        Assert.Equal("drift-brightness", root.GetProperty("changedBy").GetString());
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
