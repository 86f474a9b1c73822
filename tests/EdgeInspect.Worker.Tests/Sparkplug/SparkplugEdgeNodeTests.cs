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
    [Fact]
    public async Task A_Rebirth_Request_Republishes_Every_Birth_With_The_Same_BdSeq_Aliases_And_Current_Values()
    {
        using var dir = new TempDirectory("ei-spb");
        using var broker = await MosquittoBroker.StartAsync();
        await using var host = await SparkplugHost.StartAsync(broker.Port, EdgeNodeUnderTest.Group);
        await using var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db")).Start();
        var first = await host.WaitForAsync(m => m.Verb == "NBIRTH", Wait, "NBIRTH");
        var firstDevice = await host.WaitForAsync(m => m.Verb == "DBIRTH", Wait, "DBIRTH");
        await node.Node.ReportModeAsync("canary", DateTimeOffset.UtcNow);
        await node.Node.ReportPartAsync(EdgeNodeUnderTest.Part(1));
        await host.WaitForAsync(m => m.Verb == "DDATA", Wait, "DDATA");

        await host.SendCommandAsync(EdgeNodeUnderTest.EdgeNode, SparkplugHost.Rebirth());

        var again = await host.WaitForAsync(m => m.Verb == "NBIRTH" && m.Index > first.Index, Wait, "the second NBIRTH");
        var againDevice = await host.WaitForAsync(m => m.Verb == "DBIRTH" && m.Index > again.Index, Wait, "the second DBIRTH");
        Assert.Equal(first.BdSeq, again.BdSeq);
        Assert.Equal(0UL, again.Seq);
        Assert.Equal(first.Aliases, again.Aliases);
        Assert.Equal(firstDevice.Aliases, againDevice.Aliases);
        Assert.Equal("canary", again.Metric("Node Control/Mode").StringValue);
        Assert.Equal("p-000001", againDevice.Metric("Result/Part Id").StringValue);
        Assert.False(again.Metric("Node Control/Rebirth").BooleanValue);
        Assert.Equal(1, node.Node.Counters.RebirthRequests);

        // Data after the rebirth goes on from the birth's seq.
        await node.Node.ReportPartAsync(EdgeNodeUnderTest.Part(2));
        var data = await host.WaitForAsync(m => m.Verb == "DDATA" && m.Index > againDevice.Index, Wait, "DDATA after the rebirth");
        Assert.Equal(againDevice.Seq + 1, data.Seq);
        Assert.Equal("p-000002", host.Find(data, "Result/Part Id")!.StringValue);
    }

    [Fact]
    public async Task BdSeq_Goes_Up_By_One_With_Each_Session_After_A_Broker_Restart_And_A_Station_Restart()
    {
        using var dir = new TempDirectory("ei-spb");
        using var broker = await MosquittoBroker.StartAsync(SparkplugHost.QueueWhileAway, dir.File("broker"));
        await using var host = await SparkplugHost.StartAsync(broker.Port, EdgeNodeUnderTest.Group, persistent: true);
        int firstBdSeq;
        await using (var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db")).Start())
        {
            var first = await host.WaitForAsync(m => m.Verb == "NBIRTH", Wait, "NBIRTH");
            firstBdSeq = (int)first.BdSeq;
            Assert.Equal(0, firstBdSeq);

            broker.Stop();
            await host.WaitUntilAsync(() => !node.Node.IsConnected, Wait);
            await broker.RestartAsync();
            Assert.True(await host.WaitConnectedAsync(Wait));

            var second = await host.WaitForAsync(m => m.Verb == "NBIRTH" && m.Index > first.Index, Wait, "NBIRTH after the broker restart\n" + node.Log);
            Assert.Equal(firstBdSeq + 1, second.BdSeq);
            Assert.Equal(0UL, second.Seq);
            Assert.Equal(first.Aliases, second.Aliases);
            // The broker went down without the node saying anything: the will it registered tells the host, with the first birth's bdSeq.
            // (A QoS 1 will may arrive twice when the broker went down while handing it over: same bdSeq.)
            var wills = host.Of("NDEATH").Where(m => m.Index > first.Index && m.Index < second.Index).ToList();
            Assert.NotEmpty(wills);
            Assert.All(wills, will => Assert.Equal(first.BdSeq, will.BdSeq));

            // The will was rebuilt for the second session: the next outage's NDEATH carries the second bdSeq.
            broker.Stop();
            await host.WaitUntilAsync(() => !node.Node.IsConnected, Wait);
            await broker.RestartAsync();
            var third = await host.WaitForAsync(m => m.Verb == "NBIRTH" && m.Index > second.Index, Wait, "NBIRTH after the second broker restart");
            var secondWills = host.Of("NDEATH").Where(m => m.Index > second.Index && m.Index < third.Index).ToList();
            Assert.NotEmpty(secondWills);
            Assert.All(secondWills, will => Assert.Equal(second.BdSeq, will.BdSeq));
            Assert.Equal(firstBdSeq + 2, third.BdSeq);

            await node.StopAsync();
            // A station that stops on purpose says so: NDEATH with its session's bdSeq.
            var death = await host.WaitForAsync(m => m.Verb == "NDEATH" && m.Index > third.Index, Wait, "NDEATH at shutdown");
            Assert.Equal(third.BdSeq, death.BdSeq);
            Assert.Null(death.Seq);
        }

        // The number is durable: the next run of the station carries on from it.
        await using (var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db")).Start())
        {
            var next = await host.WaitForAsync(m => m.Verb == "NBIRTH" && m.BdSeq == firstBdSeq + 3, Wait, "NBIRTH of the next run");
            Assert.Equal(firstBdSeq + 3, node.Node.BdSeq);
            Assert.Equal(0UL, next.Seq);
        }
    }

    [Fact]
    public async Task Nbirth_Waits_For_The_Primary_Host_And_A_Host_Going_Offline_Ends_The_Session_Until_It_Is_Back()
    {
        using var dir = new TempDirectory("ei-spb");
        using var broker = await MosquittoBroker.StartAsync();
        await using var host = await SparkplugHost.StartAsync(broker.Port, EdgeNodeUnderTest.Group);
        await host.PublishStateAsync("scada-1", online: false, timestamp: 1000);
        await using var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db"), EdgeNodeUnderTest.Options(primaryHost: "scada-1")).Start();

        // Connected, subscribed, and told by the retained STATE that the host is offline: it holds its birth and stores.
        await host.WaitUntilAsync(() => node.Node.IsWaitingForHost && node.Node.Counters.StateMessages >= 1, Wait);
        await node.Node.ReportPartAsync(EdgeNodeUnderTest.Part(1));
        await node.Node.ReportPartAsync(EdgeNodeUnderTest.Part(2));
        Assert.Equal(2, node.Node.Stream.Depth);
        // A stale "online" from an older host session (earlier timestamp) does not count.
        await host.PublishStateAsync("scada-1", online: true, timestamp: 900);
        await host.WaitUntilAsync(() => node.Node.Counters.StateMessages >= 2, Wait);
        Assert.True(node.Node.IsWaitingForHost);
        Assert.Empty(host.Messages.Where(m => m.IsNodeMessage));

        await host.PublishStateAsync("scada-1", online: true, timestamp: 2000);
        var birth = await host.WaitForAsync(m => m.Verb == "NBIRTH", Wait, "NBIRTH once the host is online");
        Assert.Equal("NBIRTH", host.Messages.First(m => m.IsNodeMessage).Verb);
        var held = await host.WaitForAsync(m => m.Verb == "DDATA" && host.Find(m, "Result/Part Id")!.StringValue == "p-000002", Wait, "the stored parts");
        Assert.True(held.Payload.Metrics.All(m => m.IsHistorical), "parts produced while the host was offline are historical");

        // The host goes offline: NDEATH, disconnect, a new session that waits again; data is stored meanwhile.
        await host.PublishStateAsync("scada-1", online: false, timestamp: 3000);
        var death = await host.WaitForAsync(m => m.Verb == "NDEATH", Wait, "NDEATH when the host went offline");
        Assert.Equal(birth.BdSeq, death.BdSeq);
        await host.WaitUntilAsync(() => node.Node.Counters.Sessions >= 2 && node.Node.IsWaitingForHost, Wait);
        await node.Node.ReportPartAsync(EdgeNodeUnderTest.Part(3));
        Assert.Equal(1, node.Node.Counters.HostOfflineDisconnects);

        await host.PublishStateAsync("scada-1", online: true, timestamp: 4000);
        var rebirth = await host.WaitForAsync(m => m.Verb == "NBIRTH" && m.Index > death.Index, Wait, "NBIRTH when the host is back");
        Assert.Equal(birth.BdSeq + 1, rebirth.BdSeq);
        var third = await host.WaitForAsync(m => m.Verb == "DDATA" && m.Index > rebirth.Index && host.Find(m, "Result/Part Id")!.StringValue == "p-000003", Wait, "part 3");
        Assert.True(third.Payload.Metrics.All(m => m.IsHistorical));
    }

    [Fact]
    public async Task After_A_Ten_Second_Broker_Outage_Every_Result_Produced_Meanwhile_Arrives_Historical_In_Order()
    {
        using var dir = new TempDirectory("ei-spb");
        using var broker = await MosquittoBroker.StartAsync(SparkplugHost.QueueWhileAway, dir.File("broker"));
        await using var host = await SparkplugHost.StartAsync(broker.Port, EdgeNodeUnderTest.Group, persistent: true);
        await using var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db")).Start();
        await host.WaitForAsync(m => m.Verb == "DBIRTH", Wait, "DBIRTH");

        var part = 0;
        for (; part < 20; part++)
        {
            await node.Node.ReportPartAsync(EdgeNodeUnderTest.Part(part));
        }

        await host.WaitUntilAsync(() => host.Of("DDATA").Count() >= 20, Wait);
        broker.Stop();
        await host.WaitUntilAsync(() => !node.Node.IsConnected, Wait);
        // Ten seconds without a broker, a part every 50 ms.
        var during = new List<string>();
        var outage = System.Diagnostics.Stopwatch.StartNew();
        while (outage.Elapsed < TimeSpan.FromSeconds(10))
        {
            var result = EdgeNodeUnderTest.Part(part++);
            await node.Node.ReportPartAsync(result);
            during.Add(result.PartId);
            await Task.Delay(50);
        }

        Assert.Equal(during.Count, node.Node.Stream.Depth);
        await broker.RestartAsync();
        Assert.True(await host.WaitConnectedAsync(Wait));
        var rebirth = await host.WaitForAsync(m => m.Verb == "NBIRTH" && m.BdSeq == 1, Wait, "NBIRTH after the outage");
        await host.WaitUntilAsync(() => node.Node.Stream.Depth == 0, Wait, () => $"{node.Node.Stream.Depth} still stored");
        await host.WaitUntilAsync(() => host.Of("DDATA").Count(m => m.Index > rebirth.Index) >= during.Count, Wait);

        var replayed = host.Of("DDATA").Where(m => m.Index > rebirth.Index).ToList();
        var ids = replayed.Select(m => host.Find(m, "Result/Part Id")!.StringValue).ToList();
        Assert.Equal(during, ids.Take(during.Count));
        Assert.All(replayed.Take(during.Count), m => Assert.All(m.Payload.Metrics, x => Assert.True(x.IsHistorical)));
        // Their metric timestamps are when they were decided, not when they were sent.
        Assert.True(host.Find(replayed[0], "Result/Decision Time")!.LongValue < replayed[0].Payload.Timestamp - 5000);
        // And what comes after the replay is live again.
        await node.Node.ReportPartAsync(EdgeNodeUnderTest.Part(part));
        var live = await host.WaitForAsync(m => m.Verb == "DDATA" && host.Find(m, "Result/Part Id")!.StringValue == $"p-{part:D6}", Wait, "a live part");
        Assert.All(live.Payload.Metrics, x => Assert.False(x.IsHistorical));
    }

    [Fact]
    public async Task A_Mode_Write_Is_Refused_Counted_Answered_And_Audited_When_Writes_Are_Not_Allowed()
    {
        using var dir = new TempDirectory("ei-spb");
        using var broker = await MosquittoBroker.StartAsync();
        await using var host = await SparkplugHost.StartAsync(broker.Port, EdgeNodeUnderTest.Group);
        await using var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db")).Start();
        var birth = await host.WaitForAsync(m => m.Verb == "NBIRTH", Wait, "NBIRTH");
        Assert.Equal("shadow", birth.Metric("Node Control/Mode").StringValue);

        await host.SendCommandAsync(EdgeNodeUnderTest.EdgeNode, SparkplugHost.Mode("live"));

        var answer = await host.WaitForAsync(m => m.Verb == "NDATA" && host.Find(m, "Node Control/Mode") is not null, Wait, "the answer");
        Assert.Equal("shadow", host.Find(answer, "Node Control/Mode")!.StringValue);
        Assert.Equal(1UL, host.Find(answer, "Sparkplug/Writes Refused")!.LongValue);
        Assert.Empty(node.ModesSet);
        Assert.Equal(1, node.Node.Counters.WritesRefused);
        var audit = Events(node).Single();
        Assert.Equal(("command", "sparkplug", "Node Control/Mode", "live", "rejected"),
            (audit.Type, audit.Detail!["source"], audit.Detail["metric"], audit.Detail["value"], audit.Detail["outcome"]));
        Assert.Contains("allowWrites", audit.Detail["reason"]);
    }

    [Fact]
    public async Task An_Allowed_Mode_Write_Goes_Through_The_Set_Mode_Command_And_Its_Validation()
    {
        using var dir = new TempDirectory("ei-spb");
        using var broker = await MosquittoBroker.StartAsync();
        await using var host = await SparkplugHost.StartAsync(broker.Port, EdgeNodeUnderTest.Group);
        await using var node = EdgeNodeUnderTest.Create(broker.Port, dir.File("o.db"), EdgeNodeUnderTest.Options(allowWrites: true)).Start();
        var birth = await host.WaitForAsync(m => m.Verb == "NBIRTH", Wait, "NBIRTH");

        // By alias, as a host must once the birth gave one.
        var write = SparkplugHost.Mode("assist");
        write.ClearName();
        write.Alias = birth.Aliases["Node Control/Mode"];
        await host.SendCommandAsync(EdgeNodeUnderTest.EdgeNode, write);
        var accepted = await host.WaitForAsync(m => m.Verb == "NDATA" && host.Find(m, "Node Control/Mode") is not null, Wait, "the answer");
        Assert.Equal("assist", host.Find(accepted, "Node Control/Mode")!.StringValue);
        Assert.Equal(["assist"], node.ModesSet);

        // The verb's own validation refuses what cmd/set-mode would refuse.
        await host.SendCommandAsync(EdgeNodeUnderTest.EdgeNode, SparkplugHost.Mode("turbo"));
        var refused = await host.WaitForAsync(m => m.Verb == "NDATA" && m.Index > accepted.Index && host.Find(m, "Node Control/Mode") is not null, Wait, "the second answer");
        Assert.Equal("assist", host.Find(refused, "Node Control/Mode")!.StringValue);
        Assert.Equal(["assist"], node.ModesSet);
        Assert.Equal((1L, 1L), (node.Node.Counters.WritesAccepted, node.Node.Counters.WritesRefused));
        var events = Events(node);
        Assert.Equal(["accepted", "rejected"], events.Select(e => e.Detail!["outcome"]));
        Assert.Contains("turbo", events[1].Detail!["reason"]);

        // A retained NCMD would run again on every reconnect: refused.
        await host.SendCommandAsync(EdgeNodeUnderTest.EdgeNode, SparkplugHost.Mode("live"), retain: true);
        await host.WaitUntilAsync(() => node.Node.Counters.WritesRefused == 2, Wait);
        Assert.Equal(["assist"], node.ModesSet);
    }

    /// <summary>The events the node wrote for the JSON <c>event</c> topic.</summary>
    private static List<EventBody> Events(EdgeNodeUnderTest node) =>
        [.. node.Outbox.ReadAfter(0, 100).Where(r => r.Kind == MessageKind.Event).Select(r =>
        {
            using var doc = JsonDocument.Parse(r.Payload);
            return doc.RootElement.GetProperty("body").Deserialize(MessagesJsonContext.Default.EventBody)!;
        })];
}
