using System.Text.Json;
using EdgeInspect.Core.Messages;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Sparkplug;
using EdgeInspect.Worker.Sparkplug.Protocol;

namespace EdgeInspect.Worker.Tests.Sparkplug;

/// <summary>The edge node against a real mosquitto and a Sparkplug host application written for the tests.</summary>
[Trait("Category", "Integration")]
public sealed class SparkplugEdgeNodeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_Birth_Comes_Before_Any_Data_And_Seq_Runs_From_Zero_Without_A_Gap_Past_255()
    {
        using var dir = new TempDirectory("ei-spb");
        using var broker = await MosquittoBroker.StartAsync();
        await using var host = await SparkplugHost.StartAsync(broker.Port, EdgeNodeUnderTest.Group);
        await using var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db")).Start();

        // Some of these are produced before the node is born: they must still come after its birth.
        const int Parts = 300;
        for (var i = 1; i <= Parts; i++)
        {
            await node.Node.ReportPartAsync(EdgeNodeUnderTest.Part(i));
        }

        await host.WaitUntilAsync(() => host.Of("DDATA").Count() >= Parts, Wait, () => $"{host.Of("DDATA").Count()} DDATA");
        var messages = host.Messages.Where(m => m.IsNodeMessage).ToList();
        Assert.Empty(host.Undecodable);

        Assert.Equal("NBIRTH", messages[0].Verb);
        Assert.Equal(0UL, messages[0].Seq);
        Assert.Equal(("DBIRTH", "cam0", 1UL), (messages[1].Verb, messages[1].Device, messages[1].Seq!.Value));
        for (var i = 1; i < messages.Count; i++)
        {
            Assert.Equal((messages[i - 1].Seq!.Value + 1) % 256, messages[i].Seq!.Value);
        }

        Assert.Contains(messages, m => m.Seq == 255);
        Assert.True(messages.FindIndex(m => m.Seq == 255) < messages.FindLastIndex(m => m.Seq == 0), "seq wraps from 255 to 0");

        // Births carry name, alias and datatype; data carries aliases only.
        var birth = messages[0].Payload;
        Assert.All(birth.Metrics, m => Assert.True(m.HasName && m.HasAlias && m.HasDatatype && m.HasTimestamp, m.ToString()));
        Assert.False(birth.Metrics.Single(m => m.Name == "Node Control/Rebirth").BooleanValue);
        Assert.Equal(DataType.Boolean, (DataType)birth.Metrics.Single(m => m.Name == "Node Control/Rebirth").Datatype);
        Assert.Equal(birth.Metrics.Count, birth.Metrics.Select(m => m.Alias).Distinct().Count());
        var dbirth = messages[1].Payload;
        Assert.Empty(dbirth.Metrics.Select(m => m.Alias).Intersect(birth.Metrics.Select(m => m.Alias)));
        var data = host.Of("DDATA").ToList();
        Assert.All(data, d => Assert.All(d.Payload.Metrics, m => Assert.True(!m.HasName && m.HasAlias && !m.HasDatatype && m.HasTimestamp, m.ToString())));

        var partIds = data.Select(d => host.Find(d, "Result/Part Id")!.StringValue).ToList();
        Assert.Equal(Enumerable.Range(1, Parts).Select(i => $"p-{i:D6}"), partIds);
        var third = data[2];
        Assert.Equal("scratch", host.Find(third, "Result/Class")!.StringValue);
        Assert.Equal("fail", host.Find(third, "Result/Decision")!.StringValue);
        Assert.True(host.Find(third, "Result/Human Verdict")!.IsNull);
    }

    [Fact]
    public async Task Only_Changed_Node_Metrics_Go_Out_In_Ndata()
    {
        using var dir = new TempDirectory("ei-spb");
        using var broker = await MosquittoBroker.StartAsync();
        await using var host = await SparkplugHost.StartAsync(broker.Port, EdgeNodeUnderTest.Group);
        await using var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db")).Start();
        await host.WaitForAsync(m => m.Verb == "NBIRTH", Wait, "NBIRTH");

        var figures = new StationFigures
        {
            FramesPerSecond = new Dictionary<string, double> { ["cam0"] = 29.5 },
            Stages = new Dictionary<string, StageLatency> { ["inference"] = new(1.7, 4.9) },
            PartsInspected = 100,
            PartsPass = 90,
            PartsFail = 10,
            PartsNoDecision = 0,
            OutboxDepth = 3,
        };
        await node.Node.ReportFiguresAsync(figures, DateTimeOffset.UtcNow);
        await node.Node.ReportFiguresAsync(figures with { PartsInspected = 101, PartsPass = 91 }, DateTimeOffset.UtcNow);
        await node.Node.ReportFiguresAsync(figures with { PartsInspected = 101, PartsPass = 91 }, DateTimeOffset.UtcNow);
        await node.Node.ReportModeAsync("Assist", DateTimeOffset.UtcNow);

        var last = await host.WaitForAsync(m => m.Verb == "NDATA" && host.Find(m, "Node Control/Mode") is not null, Wait, "the mode NDATA");
        // The node's own stored-record count may move between two reports; everything else only when it changed.
        string[] Changed(SparkplugMessage m) => [.. m.Payload.Metrics.Select(x => host.NameOf(m, x)).Where(n => n != "Sparkplug/Stored")];
        var ndata = host.Of("NDATA").Where(m => m.Index < last.Index && Changed(m).Length > 0).ToList();
        Assert.Equal(2, ndata.Count);
        Assert.Contains("Pipeline/FPS", Changed(ndata[0]));
        Assert.Contains("Latency/inference/P99", Changed(ndata[0]));
        Assert.Equal(["Parts/Inspected", "Parts/Pass"], Changed(ndata[1]));
        Assert.Equal((101UL, 91UL), (host.Find(ndata[1], "Parts/Inspected")!.LongValue, host.Find(ndata[1], "Parts/Pass")!.LongValue));
        Assert.Equal(["Node Control/Mode"], Changed(last));
        Assert.Equal("assist", host.Find(last, "Node Control/Mode")!.StringValue);
        Assert.Equal(29.5, host.Find(host.Of("DDATA").Single(), "Camera/FPS")!.DoubleValue);
    }
}
