using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Configuration;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.OutboxStage;
using Microsoft.Extensions.Logging;
using LinkOptions = EdgeInspect.Worker.Link.LinkOptions;

namespace EdgeInspect.Worker.Cli;

/// <summary>
/// `edgeinspect link-soak` (hidden, for tests and measurements): pushes synthetic results through the real outbox and
/// plant link. Prints "epoch E" first and "committed S" once result S is on disk, so a test can kill the process at any
/// moment and know exactly which results must still arrive. With --bench it starts its own broker (unless --port is
/// given) and measures the outbox insert rate, the drain of a --backlog of records, and end-to-end publish throughput.
/// </summary>
public static class LinkSoakCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Broker host.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Broker port (0 with --bench: start a local broker)." };
        var outbox = new Option<string>("--outbox") { Description = "Outbox database path.", Required = true };
        var device = new Option<string>("--device") { Description = "Device id.", DefaultValueFactory = _ => "soak-01" };
        var count = new Option<int>("--count") { Description = "Results to write (with --bench: while the link runs).", DefaultValueFactory = _ => 1000 };
        var backlog = new Option<int>("--backlog") { Description = "With --bench: records written while the link is stopped, then drained (default: --count)." };
        var concurrency = new Option<int>("--concurrency") { Description = "Enqueues in flight at once (group commit).", DefaultValueFactory = _ => 1 };
        var payloadBytes = new Option<int>("--payload-bytes") { Description = "Approximate body size.", DefaultValueFactory = _ => 300 };
        var delay = new Option<int>("--delay-ms") { Description = "Pause between results (ms), to stretch a run.", DefaultValueFactory = _ => 0 };
        var inflight = new Option<int>("--max-inflight") { Description = "link:maxInflight, publishes awaiting PUBACK at once.", DefaultValueFactory = _ => 1000 };
        var protocol = new Option<string>("--protocol-version") { Description = "MQTT protocol version: 5 or 3.1.1.", DefaultValueFactory = _ => "5" };
        var bench = new Option<bool>("--bench") { Description = "Measure insert, drain and publish rates and print them." };
        var command = new Command("link-soak", "Write synthetic results through the outbox and plant link (tests and benchmarks).") { Hidden = true };
        foreach (var option in new Option[] { host, port, outbox, device, count, backlog, concurrency, payloadBytes, delay, inflight, protocol, bench })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) =>
        {
            var settings = new Settings(parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(outbox)!, parse.GetValue(device)!,
                parse.GetValue(count), parse.GetValue(backlog) is > 0 and var b ? b : parse.GetValue(count), Math.Max(1, parse.GetValue(concurrency)),
                parse.GetValue(payloadBytes), parse.GetValue(delay), parse.GetValue(protocol)!, parse.GetValue(inflight));
            return parse.GetValue(bench) ? BenchAsync(settings, ct) : SoakAsync(settings, ct);
        });
        return command;
    }

    private sealed record Settings(string Host, int Port, string Outbox, string Device, int Count, int Backlog, int Concurrency, int PayloadBytes, int DelayMs, string Protocol, int MaxInflight);

    private static StationIdentityOptions Identity(Settings s) => new()
    {
        DeviceId = s.Device, Site = "site", Area = "area", Line = "line", Name = s.Device, ConfigRevision = "link-soak",
    };

    private static LinkOptions Link(Settings s, int port) => new()
    {
        Host = s.Host,
        Port = port,
        ProtocolVersion = s.Protocol,
        MaxInflight = s.MaxInflight,
        ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
        ReconnectDelayMax = TimeSpan.FromMilliseconds(500),
        ConnectTimeout = TimeSpan.FromSeconds(3),
        ShutdownFlushTimeout = TimeSpan.FromSeconds(30),
    };

    private static OutboxOptions OutboxAt(Settings s) => new() { Path = s.Outbox, MaxRecords = Math.Max(1_000_000, 2 * (s.Count + s.Backlog)), MaxBytes = 8L << 30 };

    private static ILoggerFactory Logging() => LoggerFactory.Create(b => b
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddFilter((category, level) => level >= LogLevel.Information)
        .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    private static async Task<int> SoakAsync(Settings s, CancellationToken ct)
    {
        using var logging = Logging();
        await using var plant = PlantLink.Open(Identity(s), Link(s, s.Port), OutboxAt(s), logging, TimeProvider.System);
        var outbox = plant.Outbox;
        Console.Out.WriteLine($"epoch {outbox.BootEpoch}");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = plant.RunAsync(stop.Token);

        var body = Body(s.PayloadBytes);
        var next = 0;
        var output = new object();
        async Task Producer()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i > s.Count)
                {
                    return;
                }

                var seq = await outbox.EnqueueAsync(MessageKind.Result, body, ct);
                lock (output)
                {
                    Console.Out.WriteLine($"committed {seq}");
                }

                if (s.DelayMs > 0)
                {
                    await Task.Delay(s.DelayMs, ct);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, s.Concurrency).Select(_ => Producer()));
        while (outbox.Depth > 0 && !ct.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        stop.Cancel();
        await running;
        var link = plant.Link;
        Console.Out.WriteLine($"drained published={link.Counters.Published} acknowledged={link.Counters.Acknowledged} refused={link.Counters.BrokerRejected} left={outbox.Depth}");
        return outbox.Depth == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task<int> BenchAsync(Settings s, CancellationToken ct)
    {
        using var broker = s.Port == 0 ? await MosquittoBroker.StartAsync(cancellationToken: ct) : null;
        var port = broker?.Port ?? s.Port;
        var body = Body(s.PayloadBytes);
        using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            if (File.Exists(s.Outbox + suffix))
            {
                File.Delete(s.Outbox + suffix);
            }
        }

        await using var plant = PlantLink.Open(Identity(s), Link(s, port), OutboxAt(s), logging, TimeProvider.System);
        var outbox = plant.Outbox;

        // 1. Outbox insert rate: the link is not running, so this is SQLite with synchronous=FULL and group commit.
        var insert = Stopwatch.StartNew();
        await Produce(outbox, body, s.Backlog, s.Concurrency, ct);
        insert.Stop();

        // 2. Drain rate: the whole backlog from disk to the broker, PUBACKs and deletes included (from the first connect).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = plant.RunAsync(stop.Token);
        while (!plant.Link.IsConnected)
        {
            await Task.Delay(1, ct);
        }

        var drain = Stopwatch.StartNew();
        while (outbox.Depth > 0)
        {
            await Task.Delay(5, ct);
        }

        drain.Stop();

        // 3. Publish throughput: results enqueued while the link runs, until the last PUBACK.
        var live = Stopwatch.StartNew();
        await Produce(outbox, body, s.Count, s.Concurrency, ct);
        while (outbox.Depth > 0)
        {
            await Task.Delay(5, ct);
        }

        live.Stop();
        var window = plant.Link.Window;
        stop.Cancel();
        await running;

        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine($"backlog {s.Backlog}, live {s.Count}, body {body.Length} B, producers {s.Concurrency}, MQTT {s.Protocol}, window {window}, refused {plant.Link.Counters.BrokerRejected}");
        Console.Out.WriteLine(string.Create(inv, $"outbox insert (FULL sync, group commit): {s.Backlog / insert.Elapsed.TotalSeconds,10:N0} records/s"));
        Console.Out.WriteLine(string.Create(inv, $"drain of a {s.Backlog}-record backlog:     {s.Backlog / drain.Elapsed.TotalSeconds,10:N0} records/s ({drain.Elapsed.TotalSeconds:0.00} s)"));
        Console.Out.WriteLine(string.Create(inv, $"publish throughput (enqueue to PUBACK):  {s.Count / live.Elapsed.TotalSeconds,10:N0} results/s"));
        return ExitCodes.Ok;
    }

    private static async Task Produce(Outbox outbox, byte[] body, int count, int concurrency, CancellationToken ct)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                await outbox.EnqueueAsync(MessageKind.Result, body, ct);
            }
        }));
    }

    /// <summary>A result-shaped body of about <paramref name="bytes"/> bytes.</summary>
    private static byte[] Body(int bytes)
    {
        const string head = "{\"partId\":\"p-000001\",\"decision\":\"pass\",\"decidedBy\":\"model\",\"score\":0.0123,\"pad\":\"";
        var pad = Math.Max(0, bytes - head.Length - 2);
        return Encoding.UTF8.GetBytes(head + new string('x', pad) + "\"}");
    }
}
