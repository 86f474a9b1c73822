using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using EdgeInspect.Core.Records;
using System.Text.Json.Nodes;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Tests.Pipeline;

namespace EdgeInspect.Worker.Tests.Performance;

/// <summary>
/// Managed memory the whole per-part path allocates in steady state: capture (folder of JPEGs, TurboJPEG decode),
/// input metrics, inference, routing and decision, the record, the output stage and the durable outbox's append
/// (envelope, group commit into SQLite). Not only Predict: everything a part costs the GC between the camera and the
/// disk. Process-wide counter (the pipeline runs on several threads); this assembly runs one test class at a time.
/// </summary>
public sealed class PerPartAllocationTests
{
    /// <summary>Issue 18's target is 1 KB per frame (goal 256 B).</summary>
    private const double TargetBytesPerPart = 1024;

    /// <summary>
    /// Where the path stands: 2.0 KB measured since the outbox keeps each payload in a rented array until its commit
    /// (3.2 KB with a payload array per record, 4.6 KB with Microsoft.Data.Sqlite's prepared commands, 6.1 KB with only
    /// the pooled path out, 8.7 KB before that). A regression guard until the target is met, not the target.
    /// </summary>
    private const double TodayBytesPerPart = 2.5 * 1024;

    private const int Warmup = 150;
    private const int Measured = 300;

    [Fact(Skip = "Issue 18's target, missed: 2.0 KB per part today (the record object graph and the pipeline's part messages, about 1.6 KB; the outbox's "
        + "per-record work item and awaited task); see docs/performance.md, 'A cheap path out'. The guards below hold today's level.")]
    public Task Steady_State_Parts_From_Camera_To_Outbox_Allocate_At_Most_1_KB_Each() => AssertAllocatedPerPartAtMostAsync(TargetBytesPerPart);

    [Fact]
    public Task Steady_State_Parts_From_Camera_To_Outbox_Allocate_No_More_Than_Since_The_Pooled_Path_Out() => AssertAllocatedPerPartAtMostAsync(TodayBytesPerPart);

    /// <summary>
    /// The whole station, out to the broker and back: what <c>run</c> is at a line's rate, in live mode with audits
    /// answered by a scripted inspector, every result through the outbox and the MQTT link to a real mosquitto on
    /// loopback, acknowledged (PUBACK) and deleted. 5.3 KB measured since the link publishes from a rented array
    /// (7.7 KB with an array per record read, 13.0 KB with the link's reads through Microsoft.Data.Sqlite, 25.3 KB
    /// before they were sized by what they return): beyond camera → outbox, MQTTnet's per-publish and per-PUBACK
    /// objects and state machines (docs/performance.md, "A cheap path out").
    /// </summary>
    private const double WholePathTodayBytesPerPart = 7 * 1024;

    [Fact]
    public async Task Steady_State_Parts_From_Camera_To_Broker_Acknowledgement_Allocate_No_More_Than_Today_And_Throw_Nothing()
    {
        using var work = new TempDirectory();
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(work.Path, "broker"));
        var config = StationHarness.Config("live", auditFraction: 0.02);
        config["capture"]!["endOfStream"] = "loop";
        config["capture"]!["targetFps"] = 60;
        config["link"] = new JsonObject { ["host"] = "127.0.0.1", ["port"] = broker.Port };
        config["outbox"] = new JsonObject { ["path"] = Path.Combine(work.Path, "outbox.db") };
        config["inspector"] = new JsonObject
        {
            ["backend"] = "scripted",
            ["scripted"] = new JsonObject { ["position"] = "p1", ["inspectorId"] = "scripted", ["errorRate"] = 0.03, ["responseDelay"] = "00:00:00.200", ["responseJitter"] = "00:00:00.100", ["seed"] = 7 },
        };
        using var stop = new CancellationTokenSource();
        using var sampler = new AllocationSampler();
        var window = new SteadyWindow(Warmup, Measured, stop, sampler);
        await using var station = StationHarness.Create(config, s => s.AddPlantLink().AddObserver(window));
        var link = station.Get<PlantLink>().Link;
        window.Acknowledged = () => link.Counters.Acknowledged;

        await station.Runtime.RunAsync(stop.Token).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(window.Done, $"only {window.Parts} parts were completed");
        // The link's share is inside the window only when it kept pace: nearly every part of the window was acknowledged in it.
        Assert.True(window.AcknowledgedInWindow >= Measured * 9 / 10, $"the broker acknowledged {window.AcknowledgedInWindow} records while {Measured} parts were completed");
        var perPart = window.AllocatedBytes / (double)Measured;
        Assert.True(perPart <= WholePathTodayBytesPerPart,
            $"{perPart:0} B allocated per part, camera to PUBACK, over {Measured} steady-state parts (bound {WholePathTodayBytesPerPart} B); sampled types: {sampler.Top(12)}");
        Assert.True(sampler.Exceptions.IsEmpty, $"exceptions thrown in steady state: {string.Join("; ", sampler.Exceptions.Select(kv => $"{kv.Value} × {kv.Key}"))}");
        Assert.Equal(0, window.Gen2Collections);
    }

    private static async Task AssertAllocatedPerPartAtMostAsync(double bound)
    {
        using var work = new TempDirectory();
        var config = StationHarness.Config("live", auditFraction: 0);
        config["capture"]!["endOfStream"] = "loop";
        await using var outbox = Outbox.Open(new OutboxOptions { Path = Path.Combine(work.Path, "outbox.db") }, "dev-test");
        using var stop = new CancellationTokenSource();
        using var sampler = new AllocationSampler();
        var window = new SteadyWindow(Warmup, Measured, stop, sampler);
        await using var station = StationHarness.Create(config, s => s.AddSink(_ => new OutboxSink(outbox), durable: true).AddObserver(window));

        await station.Runtime.RunAsync(stop.Token).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(window.Done, $"only {window.Parts} parts reached the outbox");
        Assert.True(outbox.Committed >= Warmup + Measured, $"{outbox.Committed} records committed");
        var perPart = window.AllocatedBytes / (double)Measured;
        Assert.True(perPart <= bound, $"{perPart:0} B allocated per part over {Measured} steady-state parts (bound {bound} B, issue 18's target {TargetBytesPerPart} B); sampled types: {sampler.Top(12)}");
        Assert.Equal(0, window.Gen2Collections);
    }

    /// <summary>
    /// The runtime's allocation ticks (one about every 100 KB, naming the type that crossed it), so a failure says
    /// which types the bytes went to.
    /// </summary>
    private sealed class AllocationSampler : EventListener
    {
        private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

        public AllocationSampler()
        {
            AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
        }

        /// <summary>Every exception thrown (caught or not) inside the window, by type and throwing method.</summary>
        public ConcurrentDictionary<string, int> Exceptions { get; } = new(StringComparer.Ordinal);

        public override void Dispose()
        {
            AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;
            base.Dispose();
        }

        private void OnFirstChance(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Counting)
            {
                Exceptions.AddOrUpdate($"{e.Exception.GetType().Name} in {e.Exception.TargetSite?.DeclaringType?.Name}.{e.Exception.TargetSite?.Name}", 1, (_, n) => n + 1);
            }
        }

        /// <summary>Only ticks inside the steady-state window count.</summary>
        public volatile bool Counting;

        public string Top(int count) => string.Join(", ", _bytes.OrderByDescending(kv => kv.Value).Take(count).Select(kv => $"{kv.Key} {kv.Value / 1024} KB"));

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (Counting && e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && e.Payload is { } payload && e.PayloadNames is { } names)
            {
                var type = payload[names.IndexOf("TypeName")] as string ?? "?";
                var amount = Convert.ToInt64(payload[names.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
                _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
            }
        }
    }

    /// <summary>Opens the window after warm-up and closes it (stopping the camera) after the measured parts.</summary>
    private sealed class SteadyWindow(int warmup, int measured, CancellationTokenSource stop, AllocationSampler sampler) : IStationSink
    {
        private long _startBytes;
        private int _startGen2;
        private long _startAcknowledged;

        /// <summary>The link's acknowledged count, when a test has a link.</summary>
        public Func<long>? Acknowledged { get; set; }

        public long AcknowledgedInWindow { get; private set; }

        public int Parts { get; private set; }

        public bool Done { get; private set; }

        public long AllocatedBytes { get; private set; }

        public int Gen2Collections { get; private set; }

        public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
        {
            Parts++;
            if (Parts == warmup)
            {
                _startGen2 = GC.CollectionCount(2);
                _startAcknowledged = Acknowledged?.Invoke() ?? 0;
                _startBytes = GC.GetTotalAllocatedBytes(precise: true);
                sampler.Counting = true;
            }
            else if (Parts == warmup + measured)
            {
                AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - _startBytes;
                Gen2Collections = GC.CollectionCount(2) - _startGen2;
                sampler.Counting = false;
                AcknowledgedInWindow = (Acknowledged?.Invoke() ?? 0) - _startAcknowledged;
                Done = true;
                stop.Cancel();
            }

            return ValueTask.CompletedTask;
        }
    }
}
