using System.Text;
using EdgeInspect.Core.Messages;
using EdgeInspect.Native.Mosquitto;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Link;

namespace EdgeInspect.Worker.Tests.Link;

[Trait("Category", "Integration")]
public sealed class LinkServiceTests
{
    private const string Base = "ei/plant/assembly/line-1/st-01";

    [Fact]
    public async Task Results_Reach_The_Gateway_In_Envelopes_And_Leave_The_Outbox_After_Puback()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync();
        using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/#");
        var options = LinkTestKit.Options(dir.File("o.db"), broker.Port);
        await using var outbox = Outbox.Open(options);
        var link = new LinkService(options, outbox, new CommandDispatcher()) { Status = new StatusBody("online", "test", Mode: "shadow", Model: "phone-v1") };
        using var stop = new CancellationTokenSource();
        var running = link.RunAsync(stop.Token);

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
        Assert.True(link.Counters.Acknowledged >= 20);
    }

    [Fact]
    public async Task Through_Five_Broker_Restarts_During_2000_Results_The_Gateway_Gets_Every_Seq_Once_In_Order()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Persistence = true }, dir.File("broker"));
        using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/result");
        var options = LinkTestKit.Options(dir.File("o.db"), broker.Port);
        await using var outbox = Outbox.Open(options);
        var link = new LinkService(options, outbox, new CommandDispatcher());
        using var stop = new CancellationTokenSource();
        var running = link.RunAsync(stop.Token);

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
        await LinkTestKit.WaitUntil(() => link.Counters.Reconnects >= 5, TimeSpan.FromSeconds(10), () => $"only {link.Counters.Reconnects} reconnects");
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
    public async Task Bad_Commands_Are_Rejected_On_Cmd_Response_Recorded_As_Events_And_Publishing_Continues()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync();
        using var gateway = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/#");
        var options = LinkTestKit.Options(dir.File("o.db"), broker.Port);
        await using var outbox = Outbox.Open(options);
        var modes = new List<string>();
        var dispatcher = new CommandDispatcher().Register(new DelegateCommandHandler(
            "set-mode",
            new CommandSchema(new ArgSpec("mode", ArgType.String, OneOf: ["shadow", "live"])),
            (request, _) =>
            {
                modes.Add(request.Args.GetProperty("mode").GetString()!);
                return ValueTask.FromResult(CommandOutcome.Accept());
            }));
        using var plant = new MosquittoClient(new MosquittoClientOptions { Host = "127.0.0.1", Port = broker.Port, ClientId = "plant" });
        plant.Start();
        Assert.True(await plant.WaitConnectedAsync(TimeSpan.FromSeconds(5)));

        // Retained before the station subscribes: it arrives flagged retained, as it would after every reconnect.
        plant.Publish($"{Base}/cmd/set-mode", "{\"correlationId\":\"retained\",\"args\":{\"mode\":\"live\"}}"u8, 1, retain: true);
        await Task.Delay(100);
        var link = new LinkService(options, outbox, dispatcher);
        using var stop = new CancellationTokenSource();
        var running = link.RunAsync(stop.Token);
        await LinkTestKit.WaitUntil(() => link.IsConnected, TimeSpan.FromSeconds(10));
        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/cmd/response").Any(), TimeSpan.FromSeconds(5));
        plant.Publish($"{Base}/cmd/set-mode", "{\"correlationId\":\"bad-json\",\"args\":{"u8);
        plant.Publish($"{Base}/cmd/reboot", "{\"correlationId\":\"unknown-verb\"}"u8);
        plant.Publish($"{Base}/cmd/set-mode", Encoding.UTF8.GetBytes("{\"correlationId\":\"huge\",\"args\":{\"mode\":\"" + new string('x', 70_000) + "\"}}"));
        plant.Publish($"{Base}/cmd/set-mode", "{\"correlationId\":\"wrong-type\",\"args\":{\"mode\":42}}"u8);
        plant.Publish($"{Base}/cmd/set-mode", "{\"correlationId\":\"good\",\"args\":{\"mode\":\"live\"}}"u8);
        await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(1));

        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/cmd/response").Count() >= 6, TimeSpan.FromSeconds(10),
            () => string.Join("; ", gateway.On($"{Base}/cmd/response").Select(r => r.Body.ToString())));
        var responses = gateway.On($"{Base}/cmd/response").Select(r => r.Body).ToList();
        string Reason(int i) => responses[i].TryGetProperty("reason", out var r) ? r.GetString()! : string.Empty;
        Assert.Equal([false, false, false, false, false, true], responses.Select(r => r.GetProperty("accepted").GetBoolean()));
        Assert.Contains("retained commands are refused", Reason(0));
        Assert.Contains("malformed JSON", Reason(1));
        Assert.Contains("unknown verb 'reboot'", Reason(2));
        Assert.Equal("unknown-verb", responses[2].GetProperty("correlationId").GetString());
        Assert.Contains("the limit is 65536", Reason(3));
        Assert.Contains("must be a string", Reason(4));
        Assert.Equal("good", responses[5].GetProperty("correlationId").GetString());
        Assert.Equal(["live"], modes);

        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/event").Count() >= 6, TimeSpan.FromSeconds(5));
        await gateway.WaitForAsync(m => m.Topic == $"{Base}/result", TimeSpan.FromSeconds(5));
        await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(2));
        await LinkTestKit.WaitUntil(() => gateway.On($"{Base}/result").Count() == 2, TimeSpan.FromSeconds(5));
        Assert.Equal(5, link.Counters.CommandsRejected);
        Assert.Equal(1, link.Counters.CommandsAccepted);
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Retained_Alert_State_And_Birth_Are_Published_Again_After_A_Broker_That_Forgot_Them_Restarts()
    {
        using var dir = new TempDirectory("ei-link");
        using var broker = await MosquittoBroker.StartAsync();
        var options = LinkTestKit.Options(dir.File("o.db"), broker.Port);
        await using var outbox = Outbox.Open(options);
        var link = new LinkService(options, outbox, new CommandDispatcher());
        using var stop = new CancellationTokenSource();
        var running = link.RunAsync(stop.Token);
        await LinkTestKit.WaitUntil(() => link.IsConnected, TimeSpan.FromSeconds(10));
        await outbox.RaiseAlertAsync(new AlertBody("drift", AlertStates.Raised, "warning", "brightness drifted"));

        broker.Stop();
        await broker.RestartAsync(); // persistence off: every retained message is gone
        await LinkTestKit.WaitUntil(() => link.Counters.Reconnects >= 1 && link.IsConnected, TimeSpan.FromSeconds(10));
        await Task.Delay(300);

        using var late = await GatewaySubscriber.StartAsync(broker.Port, $"{Base}/#", "late-gateway");
        var state = await late.WaitForAsync(m => m.Topic == $"{Base}/alert/state/drift", TimeSpan.FromSeconds(5));
        Assert.True(state.Retain);
        Assert.Equal("raised", state.Body.GetProperty("state").GetString());
        var status = await late.WaitForAsync(m => m.Topic == $"{Base}/status", TimeSpan.FromSeconds(5));
        Assert.Equal("online", status.Body.GetProperty("state").GetString());
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(15));
    }
}
