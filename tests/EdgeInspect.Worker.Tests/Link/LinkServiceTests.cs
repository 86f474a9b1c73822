using System.Collections.Concurrent;
using System.Text;
using EdgeInspect.Core.Messages;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Link.Mqtt;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Tests.Link;

[Trait("Category", "Integration")]
public sealed class LinkServiceTests
{
    private const string Base = LinkTestKit.Base;

    private static PlantLink Open(TempDirectory dir, LinkOptions options, CommandDispatcher? dispatcher = null) =>
        PlantLink.Open(LinkTestKit.Identity(), options, LinkTestKit.OutboxAt(dir.File("o.db")), NullLoggerFactory.Instance, TimeProvider.System, dispatcher);

    private static MqttConnectionOptions Plant(int port, MqttProtocol protocol = MqttProtocol.V5) => new()
    {
        Host = "127.0.0.1", Port = port, ClientId = "plant", Protocol = protocol, ReconnectDelayMin = TimeSpan.FromMilliseconds(50), ReconnectDelayMax = TimeSpan.FromMilliseconds(300),
    };

    [Fact]
    public async Task Results_Reach_The_Gateway_In_Envelopes_And_Leave_The_Outbox_After_Puback()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync();
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/#");
        await using var plant = Open(dir, LinkTestKit.Options(broker.Port));
        var (outbox, link) = (plant.Outbox, plant.Link);
        link.Status = new StatusBody("online", "test", Mode: "shadow", Model: "phone-v1");
        using var stop = new CancellationTokenSource();
        var running = plant.RunAsync(stop.Token);

        for (var i = 0; i < 20; i++)
        {
            await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(i));
        }

        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/result").Count() == 20, TimeSpan.FromSeconds(10));
        await LinkTestKit.WaitUntil(() => outbox.Depth == 0, TimeSpan.FromSeconds(5));
        var results = gateway.On($"{Base}/result").ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), results.Select(r => r.Header.Seq));
        Assert.All(results, r => Assert.Equal((Schemas.Result, "st-01", outbox.BootEpoch), (r.Header.Schema, r.Header.Device, r.Header.Epoch)));
        Assert.Equal("p-000000", results[0].Body.GetProperty("partId").GetString());
        var birth = await gateway.WaitForAsync(m => m.Topic == $"{Base}/status", TimeSpan.FromSeconds(5));
        Assert.Equal(("online", "shadow"), (birth.Body.GetProperty("state").GetString(), birth.Body.GetProperty("mode").GetString()));

        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
        var offline = await gateway.WaitForAsync(m => m.Topic == $"{Base}/status" && m.Body.GetProperty("state").GetString() == "offline", TimeSpan.FromSeconds(5));
        Assert.Equal("shutdown", offline.Body.GetProperty("reason").GetString());
        Assert.Equal(20, link.Counters.Acknowledged);
        Assert.Equal(0, link.Counters.BrokerRejected);
    }

    [Fact]
    public async Task Through_Five_Broker_Restarts_During_2000_Results_The_Gateway_Gets_Every_Seq_Once_In_Order()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Persistence = true }, dir.File("broker"));
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/result");
        await using var plant = Open(dir, LinkTestKit.Options(broker.Port));
        var (outbox, link) = (plant.Outbox, plant.Link);
        using var stop = new CancellationTokenSource();
        var running = plant.RunAsync(stop.Token);

        // Each cycle: 200 results while the broker is up (some in flight when it stops), 200 while it is down.
        var part = 0;
        for (var outage = 0; outage < 5; outage++)
        {
            for (var i = 0; i < 400; i++, part++)
            {
                if (i == 200)
                {
                    broker.Stop();
                }

                await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(part));
                if (i % 20 == 0)
                {
                    await Task.Delay(10);
                }
            }

            await broker.RestartAsync();
            await LinkTestKit.WaitUntil(() => link.IsConnected, TimeSpan.FromSeconds(10));
        }

        await LinkTestKit.WaitUntil(() => UniqueSeqs(gateway).Count >= 2000, TimeSpan.FromSeconds(30), () => $"got {UniqueSeqs(gateway).Count} unique seqs; outbox depth {outbox.Depth}; {broker.Log}");
        var seqs = UniqueSeqs(gateway);
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (long)i), seqs);
        // Every copy, replays included, carries its own record's body: the outbox and the link hold payloads in rented
        // arrays, and one given back too early, or rented to two records at once, would show as another seq's body.
        Assert.All(gateway.Messages, m => Assert.Equal($"p-{m.Header.Seq - 1:D6}", m.Body.GetProperty("partId").GetString()));
        await LinkTestKit.WaitUntil(() => link.Counters.Reconnects >= 5, TimeSpan.FromSeconds(10), () => $"only {link.Counters.Reconnects} reconnects");
        await LinkTestKit.WaitUntil(() => outbox.Depth == 0, TimeSpan.FromSeconds(10), () => $"depth {outbox.Depth}");
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>Dedup by (device, epoch, seq), keeping first-arrival order.</summary>
    private static List<long> UniqueSeqs(GatewaySubscriber gateway)
    {
        var seen = new HashSet<(string, long, long)>();
        return gateway.Messages.Where(m => seen.Add((m.Header.Device, m.Header.Epoch, m.Header.Seq))).Select(m => m.Header.Seq).ToList();
    }

    [Fact]
    public async Task The_In_Flight_Window_Is_Clamped_To_The_Broker_Receive_Maximum()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { ExtraLines = ["max_inflight_messages 5"] });
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/result");
        await using var plant = Open(dir, LinkTestKit.Options(broker.Port));
        using var stop = new CancellationTokenSource();
        var running = plant.RunAsync(stop.Token);
        await LinkTestKit.WaitUntil(() => plant.Link.IsConnected, TimeSpan.FromSeconds(10));

        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => plant.Outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(i)).AsTask()));
        await LinkTestKit.WaitUntil(() => plant.Outbox.Depth == 0, TimeSpan.FromSeconds(20), () => $"depth {plant.Outbox.Depth}");

        Assert.Equal(5, plant.Link.Window);
        Assert.Equal(300, plant.Link.Counters.Acknowledged);
        Assert.Equal(0, plant.Link.Counters.Reconnects);
        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/result").Select(m => m.Header.Seq).Distinct().Count() == 300, TimeSpan.FromSeconds(10));
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_Broker_Refusal_Is_Counted_And_Never_Deletes_The_Record_Which_Goes_Out_Once_The_Acl_Allows_It()
    {
        using var dir = new TempDirectory("ei-acl");
        var acl = dir.File("acl");
        var allowed = $"topic read #\ntopic write {Base}/status\ntopic write {Base}/alert/#\ntopic write {Base}/event\ntopic write {Base}/cmd/response\n";
        await File.WriteAllTextAsync(acl, allowed);
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { ExtraLines = [$"acl_file {acl}"] });
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/#");
        var options = LinkTestKit.Options(broker.Port);
        options.RefusedRetryDelay = TimeSpan.FromMilliseconds(300);
        await using var plant = Open(dir, options);
        var (outbox, link) = (plant.Outbox, plant.Link);
        using var stop = new CancellationTokenSource();
        var running = plant.RunAsync(stop.Token);

        for (var i = 0; i < 5; i++)
        {
            await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(i));
        }

        await outbox.EnqueueAsync(MessageKind.Event, """{"type":"test","message":"allowed"}"""u8.ToArray());
        // Refused, then refused again on the retry: every refusal counts, and the records stay.
        await LinkTestKit.WaitUntil(() => link.Counters.BrokerRejected >= 10, TimeSpan.FromSeconds(15), () => $"{link.Counters.BrokerRejected} refusals; {broker.Log}");
        await gateway.WaitForAsync(m => m.Topic == $"{Base}/event", TimeSpan.FromSeconds(5));
        Assert.Equal(5, outbox.Depth);
        Assert.Equal([1L, 2, 3, 4, 5], outbox.ReadAfter(0, 100).Select(r => r.Seq));
        Assert.Equal(0, link.Counters.Reconnects);
        Assert.Empty(gateway.On($"{Base}/result"));

        // The plant fixes its ACL (mosquitto rereads it on SIGHUP): the same records go out, on the same connection.
        await File.WriteAllTextAsync(acl, allowed + $"topic write {Base}/result\n");
        broker.Reload();
        await LinkTestKit.WaitUntil(() => outbox.Depth == 0, TimeSpan.FromSeconds(15), () => $"depth {outbox.Depth}, {link.Counters.BrokerRejected} refusals");
        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/result").Count() == 5, TimeSpan.FromSeconds(5));
        Assert.Equal([1L, 2, 3, 4, 5], gateway.On($"{Base}/result").Select(r => r.Header.Seq));
        Assert.Equal(0, link.Counters.Reconnects);
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Bad_Commands_Are_Rejected_On_Cmd_Response_Recorded_As_Events_And_Publishing_Continues()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync();
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/#");
        var modes = new ConcurrentQueue<string>();
        await using var plant = Open(dir, LinkTestKit.Options(broker.Port), SetModeDispatcher(modes));
        await using var sender = new MqttConnection(Plant(broker.Port));
        sender.Start();
        Assert.True(await sender.WaitConnectedAsync(TimeSpan.FromSeconds(5)));

        // Retained before the station subscribes: it arrives flagged retained, as it would after every reconnect.
        Assert.True((await sender.PublishAsync($"{Base}/cmd/set-mode", "{\"correlationId\":\"retained\",\"args\":{\"mode\":\"live\"}}"u8.ToArray(), retain: true)).IsAcknowledged);
        using var stop = new CancellationTokenSource();
        var running = plant.RunAsync(stop.Token);
        await LinkTestKit.WaitUntil(() => plant.Link.IsConnected, TimeSpan.FromSeconds(10));
        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/cmd/response").Any(), TimeSpan.FromSeconds(5));
        await sender.PublishAsync($"{Base}/cmd/set-mode", "{\"correlationId\":\"bad-json\",\"args\":{"u8.ToArray());
        await sender.PublishAsync($"{Base}/cmd/reboot", "{\"correlationId\":\"unknown-verb\"}"u8.ToArray());
        await sender.PublishAsync($"{Base}/cmd/set-mode", Encoding.UTF8.GetBytes("{\"correlationId\":\"huge\",\"args\":{\"mode\":\"" + new string('x', 70_000) + "\"}}"));
        await sender.PublishAsync($"{Base}/cmd/set-mode", "{\"correlationId\":\"wrong-type\",\"args\":{\"mode\":42}}"u8.ToArray());
        await sender.PublishAsync($"{Base}/cmd/set-mode", "{\"correlationId\":\"good\",\"args\":{\"mode\":\"live\"}}"u8.ToArray());
        await plant.Outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(1));

        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/cmd/response").Count() >= 6, TimeSpan.FromSeconds(10),
            () => string.Join("; ", gateway.On($"{Base}/cmd/response").Select(r => r.Body.ToString())));
        var responses = gateway.On($"{Base}/cmd/response").Select(r => r.Body).ToList();
        string Reason(int i) => responses[i].TryGetProperty("reason", out var r) ? r.GetString()! : string.Empty;
        Assert.Equal([false, false, false, false, false, true], responses.Select(r => r.GetProperty("accepted").GetBoolean()));
        Assert.Contains("retained commands are refused", Reason(0));
        Assert.Equal("retained", responses[0].GetProperty("correlationId").GetString());
        Assert.Contains("malformed JSON", Reason(1));
        Assert.Contains("unknown verb 'reboot'", Reason(2));
        Assert.Equal("unknown-verb", responses[2].GetProperty("correlationId").GetString());
        Assert.Contains("the limit is 65536", Reason(3));
        Assert.Contains("must be a string", Reason(4));
        Assert.Equal("good", responses[5].GetProperty("correlationId").GetString());
        Assert.Equal(["live"], modes);

        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/event").Count() >= 6, TimeSpan.FromSeconds(5));
        await gateway.WaitForAsync(m => m.Topic == $"{Base}/result", TimeSpan.FromSeconds(5));
        await plant.Outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(2));
        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/result").Count() == 2, TimeSpan.FromSeconds(5));
        Assert.Equal(5, plant.Commands.Rejected);
        Assert.Equal(1, plant.Commands.Accepted);
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_Retained_Command_Published_While_The_Station_Is_Connected_Is_Refused_And_Changes_Nothing()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync();
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/#");
        var modes = new ConcurrentQueue<string>();
        await using var plant = Open(dir, LinkTestKit.Options(broker.Port), SetModeDispatcher(modes));
        using var stop = new CancellationTokenSource();
        var running = plant.RunAsync(stop.Token);
        await LinkTestKit.WaitUntil(() => plant.Link.IsConnected, TimeSpan.FromSeconds(10));
        await using var sender = new MqttConnection(Plant(broker.Port));
        sender.Start();
        Assert.True(await sender.WaitConnectedAsync(TimeSpan.FromSeconds(5)));

        // Live delivery: a broker clears the retain flag for subscribers that did not ask for retain-as-published.
        Assert.True((await sender.PublishAsync($"{Base}/cmd/set-mode", "{\"correlationId\":\"live-retained\",\"args\":{\"mode\":\"live\"}}"u8.ToArray(), retain: true)).IsAcknowledged);

        var response = await gateway.WaitForAsync(m => m.Topic == $"{Base}/cmd/response", TimeSpan.FromSeconds(10));
        Assert.False(response.Body.GetProperty("accepted").GetBoolean());
        Assert.Contains("retained commands are refused", response.Body.GetProperty("reason").GetString());
        Assert.Equal("live-retained", response.Body.GetProperty("correlationId").GetString());
        var audit = await gateway.WaitForAsync(m => m.Topic == $"{Base}/event", TimeSpan.FromSeconds(5));
        Assert.Equal("true", audit.Body.GetProperty("detail").GetProperty("retained").GetString());
        Assert.Empty(modes);
        Assert.Equal((0L, 1L), (plant.Commands.Accepted, plant.Commands.Rejected));

        // The same command, not retained, is accepted: the refusal was about the flag alone.
        await sender.PublishAsync($"{Base}/cmd/set-mode", "{\"correlationId\":\"live\",\"args\":{\"mode\":\"live\"}}"u8.ToArray());
        await LinkTestKit.WaitUntil(() => plant.Commands.Accepted == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(["live"], modes);
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Retained_Alert_State_And_Birth_Are_Published_Again_After_A_Broker_That_Forgot_Them_Restarts()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync();
        await using var plant = Open(dir, LinkTestKit.Options(broker.Port));
        var link = plant.Link;
        using var stop = new CancellationTokenSource();
        var running = plant.RunAsync(stop.Token);
        await LinkTestKit.WaitUntil(() => link.IsConnected, TimeSpan.FromSeconds(10));
        await plant.Sink.RaiseAlertAsync(new AlertBody("drift", AlertStates.Raised, "warning", "brightness drifted"));
        // Birth and the drift state, both acknowledged by the first broker.
        await LinkTestKit.WaitUntil(() => link.Counters.RetainedAcknowledged == 2, TimeSpan.FromSeconds(5), () => $"{link.Counters.RetainedAcknowledged} acknowledged");

        broker.Stop();
        await broker.RestartAsync(); // persistence off: every retained message is gone
        await LinkTestKit.WaitUntil(() => link.Counters.Reconnects >= 1 && link.Counters.RetainedAcknowledged >= 4, TimeSpan.FromSeconds(10),
            () => $"{link.Counters.Reconnects} reconnects, {link.Counters.RetainedAcknowledged} retained acknowledged");

        await using var late = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/#", "late-gateway");
        var state = await late.WaitForAsync(m => m.Topic == $"{Base}/alert/state/drift", TimeSpan.FromSeconds(5));
        Assert.True(state.Retain);
        Assert.Equal("raised", state.Body.GetProperty("state").GetString());
        var status = await late.WaitForAsync(m => m.Topic == $"{Base}/status", TimeSpan.FromSeconds(5));
        Assert.True(status.Retain);
        Assert.Equal("online", status.Body.GetProperty("state").GetString());
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Against_A_Broker_That_Speaks_Only_3_1_1_A_Station_Set_To_3_1_1_Delivers_Every_Result()
    {
        using var dir = new TempDirectory("ei-311");
        await using var broker = await Mqtt311OnlyBroker.StartAsync();
        await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/#");
        var options = LinkTestKit.Options(broker.Port);
        options.ProtocolVersion = "3.1.1";
        await using var plant = Open(dir, options);
        using var stop = new CancellationTokenSource();
        var running = plant.RunAsync(stop.Token);

        for (var i = 0; i < 50; i++)
        {
            await plant.Outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(i));
        }

        await plant.Outbox.EnqueueAsync(MessageKind.Metrics, """{"values":{"fps":30}}"""u8.ToArray());
        await LinkTestKit.WaitUntil(() => plant.Outbox.Depth == 0, TimeSpan.FromSeconds(15), () => $"depth {plant.Outbox.Depth}");
        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/result").Count() == 50, TimeSpan.FromSeconds(5));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), gateway.On($"{Base}/result").Select(r => r.Header.Seq));
        await gateway.WaitForAsync(m => m.Topic == $"{Base}/metrics", TimeSpan.FromSeconds(5));
        await gateway.WaitForAsync(m => m.Topic == $"{Base}/status" && m.Body.GetProperty("state").GetString() == "online", TimeSpan.FromSeconds(5));
        Assert.Empty(broker.Refused);
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
        await gateway.WaitForAsync(m => m.Topic == $"{Base}/status" && m.Body.GetProperty("state").GetString() == "offline", TimeSpan.FromSeconds(5));
    }

    private static CommandDispatcher SetModeDispatcher(ConcurrentQueue<string> modes) => new CommandDispatcher().Register(new DelegateCommandHandler(
        "set-mode",
        new CommandSchema(new ArgSpec("mode", ArgType.String, OneOf: ["shadow", "live"])),
        (request, _) =>
        {
            modes.Enqueue(request.Args.GetProperty("mode").GetString()!);
            return ValueTask.FromResult(CommandOutcome.Accept());
        }));
}
