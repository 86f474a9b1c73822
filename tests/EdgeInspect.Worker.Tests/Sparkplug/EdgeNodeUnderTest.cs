using System.Collections.Concurrent;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Sparkplug;
using EdgeInspect.Worker.Tests.Link;

namespace EdgeInspect.Worker.Tests.Sparkplug;

/// <summary>
/// A real edge node in the test process: its own MQTT connection to a real broker, a real SQLite outbox, and a real
/// <see cref="CommandDispatcher"/> with a set-mode verb validated as the station's is. Only the station around it is
/// left out: the test feeds the node's inputs itself.
/// </summary>
internal sealed class EdgeNodeUnderTest : IAsyncDisposable
{
    public const string Group = "plant-a";
    public const string EdgeNode = "st-07";
    private static readonly string[] Modes = Enum.GetNames<AutomationMode>().Select(m => m.ToLowerInvariant()).ToArray();

    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    private EdgeNodeUnderTest(Outbox outbox, SparkplugEdgeNode node, CommandDispatcher dispatcher, TestLog log)
    {
        Log = log;
        Outbox = outbox;
        Node = node;
        Dispatcher = dispatcher;
    }

    public Outbox Outbox { get; }

    /// <summary>What the node logged (for failure messages).</summary>
    public TestLog Log { get; }

    public SparkplugEdgeNode Node { get; }

    public CommandDispatcher Dispatcher { get; }

    /// <summary>Modes the set-mode verb was asked to switch to (and did).</summary>
    public ConcurrentQueue<string> ModesSet { get; } = new();

    public static SparkplugOptions Options(string? primaryHost = null, bool allowWrites = false) => new()
    {
        Enabled = true,
        GroupId = Group,
        EdgeNodeId = EdgeNode,
        PrimaryHostId = primaryHost,
        PublishResults = true,
        AllowWrites = allowWrites,
    };

    public static EdgeNodeUnderTest Create(int port, string outboxPath, SparkplugOptions? options = null, int outboxMaxRecords = 1_000_000)
    {
        var outbox = Outbox.Open(new OutboxOptions { Path = outboxPath, MaxRecords = outboxMaxRecords }, "st-07");
        var dispatcher = new CommandDispatcher();
        var link = LinkTestKit.Options(port);
        var start = new EdgeNodeStart("shadow", new ModelIdentity("phone-defects", "1.3.0", new string('a', 64)), null, ["cam0"],
            ["cam0.brightness.distribution", "cam0.concept"], "edgeinspect test");
        var log = new TestLog();
        var node = new SparkplugEdgeNode(options ?? Options(), link.ToConnectionOptions("st-07", will: null), LinkTestKit.Identity("st-07"), start, outbox, dispatcher,
            TimeSpan.FromSeconds(5), log);
        var test = new EdgeNodeUnderTest(outbox, node, dispatcher, log);
        dispatcher.Register(new DelegateCommandHandler("set-mode",
            new CommandSchema(new ArgSpec("mode", ArgType.String, Required: true, OneOf: Modes), new ArgSpec("by", ArgType.String, Required: false, MaxLength: 128)),
            (request, _) =>
            {
                var mode = request.Args.GetProperty("mode").GetString()!;
                test.ModesSet.Enqueue(mode);
                return ValueTask.FromResult(CommandOutcome.Accept($"mode is {mode}"));
            }));
        return test;
    }

    public EdgeNodeUnderTest Start()
    {
        _run = Task.Run(() => Node.RunAsync(_stop.Token));
        return this;
    }

    /// <summary>A part result of camera cam0 with a recognisable part id.</summary>
    public static PartResult Part(int n, DateTimeOffset? at = null)
    {
        var decided = at ?? DateTimeOffset.UtcNow;
        return new PartResult("cam0", $"p-{n:D6}", n % 3 == 0 ? "scratch" : "ok", 0.9, n % 3 == 0 ? "fail" : "pass", "model", null, decided.AddMilliseconds(-30), decided);
    }

    public async Task StopAsync()
    {
        if (_run is null)
        {
            return;
        }

        await _stop.CancelAsync();
        await _run;
        _run = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Node.DisposeAsync();
        await Outbox.DisposeAsync();
        _stop.Dispose();
    }
}
