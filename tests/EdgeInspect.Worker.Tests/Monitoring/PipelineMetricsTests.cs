using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Worker.Tests.Monitoring;

public sealed class PipelineMetricsTests
{
    [Fact]
    public void Latency_Percentiles_Come_Within_Nine_Percent_Of_The_Exact_Ones()
    {
        var tracker = new LatencyTracker();
        var random = new Random(3);
        var samples = Enumerable.Range(0, 10_000).Select(_ => 0.001 + (random.NextDouble() * random.NextDouble() * 0.05)).ToArray();
        foreach (var s in samples)
        {
            tracker.Record(s);
        }

        var summary = tracker.Snapshot(reset: true);
        var sorted = samples.Order().ToArray();

        Assert.Equal(10_000, summary.Count);
        foreach (var (q, value) in new[] { (0.50, summary.P50Seconds), (0.95, summary.P95Seconds), (0.99, summary.P99Seconds) })
        {
            var exact = sorted[(int)Math.Ceiling(q * sorted.Length) - 1];
            Assert.InRange(value, exact, exact * 1.09);
        }

        Assert.Equal(0, tracker.Snapshot(reset: false).Count);
    }

    [Fact]
    public void Recording_A_Latency_Allocates_Nothing()
    {
        var tracker = new LatencyTracker();
        tracker.Record(0.002);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            tracker.Record(i * 1e-5);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Instruments_Carry_OpenTelemetry_Style_Names_And_Units()
    {
        using var metrics = new PipelineMetrics(new FakeTimeProvider(), ["ok", "scratch"]);
        var seen = new Dictionary<string, string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName)
            {
                seen[instrument.Name] = instrument.Unit;
            }
        };
        listener.Start();

        Assert.Equal("s", seen["edgeinspect.stage.duration"]);
        Assert.Equal("{frame}", seen["edgeinspect.frames"]);
        Assert.Equal("{frame}", seen["edgeinspect.frames.dropped"]);
        Assert.Equal("{item}", seen["edgeinspect.queue.depth"]);
        Assert.Equal("{record}", seen["edgeinspect.outbox.records"]);
        Assert.Equal("s", seen["process.cpu.time"]);
        Assert.Equal("By", seen["process.memory.usage"]);
        Assert.Equal("{collection}", seen["dotnet.gc.collections"]);
        Assert.Equal("By", seen["dotnet.gc.heap.total_allocated"]);
        Assert.Equal("Cel", seen["hw.temperature"]);
        Assert.Equal("{grey_level}", seen["edgeinspect.input.brightness"]);
        Assert.Equal("1", seen["edgeinspect.input.chroma_rg"]);
        Assert.Equal("1", seen["edgeinspect.input.chroma_bg"]);
        Assert.Equal("{grey_level2}", seen["edgeinspect.input.sharpness"]);
    }

    [Fact]
    public void A_Snapshot_Gathers_The_Interval_And_Starts_A_New_One()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero));
        using var metrics = new PipelineMetrics(time, ["ok", "scratch"]);
        var queue = 3L;
        metrics.RegisterQueue("inference", () => queue);
        metrics.RegisterOutbox(() => 12);
        for (var i = 0; i < 50; i++)
        {
            metrics.RecordFrame("cam1");
            metrics.RecordStage("inference", TimeSpan.FromMilliseconds(2 + (i % 5)));
            metrics.RecordInput("cam1", new InputMetrics(100 + i, 40, 150, 0, 0.01, 90, 100, 110));
            metrics.RecordPrediction(i % 10 == 0 ? 1 : 0, i % 10 == 0 ? 0.9 : 0.05, i % 10 == 0, isUncertain: i == 7);
        }

        metrics.RecordDrop("queue_full");
        metrics.RecordInferenceFailure(InferenceFailure.Failed);
        time.Advance(TimeSpan.FromSeconds(10));

        var snapshot = metrics.TakeSnapshot();
        var json = JsonNode.Parse(snapshot.ToJsonString())!;

        Assert.Equal(5.0, snapshot.FramesPerSecond["cam1"], 6);
        Assert.Equal(50, snapshot.Stages["inference"].Count);
        Assert.InRange(snapshot.Stages["inference"].P99Seconds, 0.006, 0.0066);
        Assert.Equal(124.5, snapshot.Inputs["cam1"]["brightness"], 6);
        Assert.Equal((5L, 0.1), (snapshot.Output.Defects, snapshot.Output.DefectRate));
        Assert.Equal(1, snapshot.Output.Failed);
        Assert.Equal(1, json["drops"]!["queue_full"]!.GetValue<long>());
        Assert.Equal(3, json["queues"]!["inference"]!.GetValue<long>());
        Assert.Equal(12, json["outbox_depth"]!.GetValue<long>());
        Assert.Equal(45, json["output"]!["classes"]!["ok"]!.GetValue<long>());
        Assert.True(json["process"]!["allocated_bytes"]!.GetValue<long>() > 0);

        time.Advance(TimeSpan.FromSeconds(10));
        var next = metrics.TakeSnapshot();
        Assert.Equal(0, next.FramesPerSecond["cam1"]);
        Assert.Equal(0, next.Output.Predictions);
    }

    [Fact]
    public void Process_Stats_Read_Rss_From_Proc_Status_And_The_Hottest_Thermal_Zone()
    {
        using var dir = new TempDirectory("procstats");
        File.WriteAllText(dir.File("status"), "Name:\tedgeinspect\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t9\n");
        foreach (var (zone, milli) in new[] { ("thermal_zone0", "41500"), ("thermal_zone1", "55250") })
        {
            Directory.CreateDirectory(Path.Combine(dir.Path, "thermal", zone));
            File.WriteAllText(Path.Combine(dir.Path, "thermal", zone, "temp"), milli + "\n");
        }

        var stats = new ProcessStatsSampler(dir.File("status"), Path.Combine(dir.Path, "thermal")).Sample();
        var bare = new ProcessStatsSampler(dir.File("none"), dir.File("none")).Sample();

        Assert.Equal((102400L * 1024, 204800L * 1024), (stats.ResidentBytes!.Value, stats.PeakResidentBytes!.Value));
        Assert.Equal(55.25, stats.TemperatureCelsius);
        Assert.Null(bare.TemperatureCelsius);
        Assert.Null(bare.ResidentBytes);
        Assert.True(stats.CpuTime > TimeSpan.Zero);
    }
}
