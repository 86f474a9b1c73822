using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Records;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Sparkplug;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Tests.Link;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Tests.Sparkplug;

/// <summary>The adapter from today's station output to the edge node's inputs, and the node's composition.</summary>
public sealed class SparkplugStationSinkTests
{
    private static readonly StationReadings Readings = new(() => null, () => null, () => true, () => 2);

    [Fact]
    public void The_Flat_Metrics_Snapshot_Becomes_The_Nodes_Figures()
    {
        var values = new Dictionary<string, double>
        {
            ["fps.cam0"] = 29.9,
            ["fps.cam1"] = 10,
            ["stages.inference.p50_ms"] = 1.72,
            ["stages.inference.p99_ms"] = 4.87,
            ["stages.capture_to_decision.p50_ms"] = 311.7,
            ["pipeline.parts.inspected"] = 684,
            ["pipeline.decisions.pass"] = 600,
            ["pipeline.decisions.fail"] = 80,
            ["pipeline.decisions.no_decision"] = 4,
            ["agreement.model_vs_human.agreement"] = 0.9033,
            ["agreement.model_vs_human.agreement.lower95"] = 0.8762,
            ["agreement.model_vs_human.agreement.upper95"] = 0.9249,
            ["agreement.model_vs_human.kappa"] = 0.8048,
            ["agreement.model_vs_human.parts"] = 569,
            ["agreement.model_vs_human.window.agreement"] = 0.5,
            ["outbox.depth"] = 10,
            ["outbox.dropped_metrics"] = 1,
            ["link.reconnects"] = 2,
        };

        var figures = SparkplugStationSink.ToFigures(values, Readings);

        Assert.Equal(new Dictionary<string, double> { ["cam0"] = 29.9, ["cam1"] = 10 }, figures.FramesPerSecond);
        Assert.Equal(new StageLatency(1.72, 4.87), figures.Stages["inference"]);
        Assert.Equal(new StageLatency(311.7, null), figures.Stages["capture_to_decision"]);
        Assert.Equal((684L, 600L, 80L, 4L), (figures.PartsInspected!.Value, figures.PartsPass!.Value, figures.PartsFail!.Value, figures.PartsNoDecision!.Value));
        Assert.Equal((0.9033, 0.8762, 0.9249, 0.8048, 569L), (figures.Agreement!.Value, figures.AgreementLower95!.Value, figures.AgreementUpper95!.Value, figures.Kappa!.Value, figures.AgreementParts!.Value));
        Assert.Equal(("ready", 2L, 10L, 1L, 2L), (figures.PromotionGate, figures.OpenIncidents!.Value, figures.OutboxDepth!.Value, figures.OutboxDroppedMetrics!.Value, figures.LinkReconnects!.Value));
        Assert.Null(SparkplugStationSink.ToFigures(new Dictionary<string, double>(), Readings with { PromotionReady = () => null }).PromotionGate);
    }

    [Fact]
    public void A_Parts_Provenance_Envelope_Becomes_Its_Result()
    {
        var captured = DateTimeOffset.UtcNow.AddMilliseconds(-300);
        var decided = DateTimeOffset.UtcNow;
        var record = new InspectionRecord("st-07", 1, 42, decided, new StationRef("s", "a", "l", "st-07"), "st-07-1-42", new CameraRecord("cam0", 640, 480, 30, null, null, null),
            new FrameRecord(42, FrameTrigger.FreeRun, 0, captured, decided, 300), new ModelRef("m", "1", "abc"), "shadow", "r1",
            new ModelOutputRecord("scratch", 0.96, [0.04, 0.96], Verdict.Fail, false, 2.1),
            new HumanRecord("ana", "left", null, TimedOut: true, 8000, Audit: false),
            new OutcomeRecord(FinalDecision.NoDecision, DecidedBy.None, Actuation.Reject, null, false));

        var result = SparkplugStationSink.ToResult(record);

        Assert.Equal(new PartResult("cam0", "st-07-1-42", "scratch", 0.96, "noDecision", "none", "timeout", captured, decided), result);
        Assert.Equal("fail", SparkplugStationSink.ToResult(record with { Human = record.Human! with { TimedOut = false, Verdict = Verdict.Fail } }).HumanVerdict);
        Assert.Null(SparkplugStationSink.ToResult(record with { Human = null, ModelOutput = null }).HumanVerdict);
    }

    [Fact]
    public async Task A_Switched_Off_Node_Is_Not_Created_And_Leaves_No_Records_Behind()
    {
        using var dir = new TempDirectory("ei-spb-off");
        var path = dir.File("o.db");
        await using (var outbox = LinkTestKit.OpenOutbox(path))
        {
            await outbox.OpenStream(SparkplugEdgeNode.StreamName).EnqueueAsync(MessageKind.Result, new byte[] { 1, 2, 3 });
        }

        await using (var outbox = LinkTestKit.OpenOutbox(path))
        {
            var start = new EdgeNodeStart("shadow", null, null, ["cam0"], [], "test");
            var node = StationEdgeNode.Open(new SparkplugOptions(), LinkTestKit.Options(1883), LinkTestKit.Identity(), outbox, new CommandDispatcher(), start, Readings,
                NullLoggerFactory.Instance, TimeProvider.System);

            Assert.Null(node);
            Assert.Equal(0, outbox.StreamDepth);
        }
    }

    [Fact]
    public async Task Each_Incident_Event_Publishes_The_Open_Incident_Count()
    {
        using var dir = new TempDirectory("ei-spb-incidents");
        using var broker = await MosquittoBroker.StartAsync();
        await using var host = await SparkplugHost.StartAsync(broker.Port, EdgeNodeUnderTest.Group);
        await using var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db")).Start();
        await host.WaitForAsync(m => m.Verb == "NBIRTH", TimeSpan.FromSeconds(20), "NBIRTH");
        var open = 0;
        var sink = new SparkplugStationSink(node.Node, Readings with { OpenIncidents = () => open }, TimeProvider.System);

        open = 1;
        await sink.IncidentAsync(IncidentOf(IncidentEventKind.Raised, "inc-1"), CancellationToken.None);
        var raised = await host.WaitForAsync(m => m.Verb == "NDATA" && host.Find(m, "Incidents/Open") is not null, TimeSpan.FromSeconds(20), "the raised NDATA");
        Assert.Equal(1UL, host.Find(raised, "Incidents/Open")!.LongValue);

        open = 0;
        await sink.IncidentAsync(IncidentOf(IncidentEventKind.Cleared, "inc-1"), CancellationToken.None);
        var cleared = await host.WaitForAsync(m => m.Verb == "NDATA" && m.Index > raised.Index && host.Find(m, "Incidents/Open") is not null, TimeSpan.FromSeconds(20), "the cleared NDATA");
        Assert.Equal(0UL, host.Find(cleared, "Incidents/Open")!.LongValue);
        await sink.DrainAsync();
    }

    private static IncidentEvent IncidentOf(IncidentEventKind kind, string id)
    {
        var at = DateTimeOffset.UtcNow;
        var member = new IncidentMember("cam0.brightness.distribution", DetectorFamily.InputDistribution, "brightness", AlertState.Alert, at, 10, null, 120, 66, 0.4, 0.1, 300, DriftKind.Sudden);
        var incident = new Incident(id, "cam0", kind == IncidentEventKind.Cleared ? IncidentState.Cleared : IncidentState.Open, at, 1, at, 10, null, [member],
            new IncidentDiagnosis(IncidentClass.Lighting, 0.7, "Check the lights.", "lighting: test", new Dictionary<string, double>()), 1);
        return new IncidentEvent(kind, at, incident);
    }
}
