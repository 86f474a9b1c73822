using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Pipeline.Sampling;
using EdgeInspect.Worker.Tests.Link;
using EdgeInspect.Worker.Tests.Pipeline;
using Xunit.Abstractions;

namespace EdgeInspect.Worker.Tests.Reliability;

/// <summary>
/// A full disk as a plant meets it (issue 19): the outbox and the samples on a 3 MiB tmpfs the test mounts, another
/// tenant's 1.5 MiB file on it, the broker down, the camera at 30 fps, every part sampled. CI keeps the broker down until
/// the outbox has dropped results for 3 s (about 30 s); EDGEINSPECT_DISK_BROKER_DOWN_S=60 keeps it down 60 s.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Reliability")]
public sealed class FullDiskTests(ITestOutputHelper output)
{
    [Fact]
    public async Task On_A_Full_Disk_Metrics_Go_First_Then_New_Results_Counted_And_Alerted_Parts_Still_Actuated_And_Everything_Resumes()
    {
        var brokerDownAtLeast = TimeSpan.FromSeconds(ReliabilityFigures.Size("EDGEINSPECT_DISK_BROKER_DOWN_S", 1));
        using var work = new TempDirectory("ei-fulldisk");
        using var disk = SmallFilesystem.Mount(Path.Combine(work.Path, "disk"), sizeBytes: 3 << 20);
        var ballast = Path.Combine(disk.Path, "other-tenant.bin");
        await File.WriteAllBytesAsync(ballast, new byte[3 << 19]);
        var outboxPath = Path.Combine(disk.Path, "outbox.db");

        // The gateway's persistent session is made before the broker goes down, so what the station publishes when it
        // comes back is queued for it.
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Persistence = true, ExtraLines = ["max_queued_messages 0"] }, Path.Combine(work.Path, "broker"));
        await using (await GatewaySubscriber.StartAsync(broker.Port, "edgeinspect/#", "fulldisk-gw"))
        {
        }

        broker.Stop();

        var config = StationProcess.Config("fulldisk", broker.Port, outboxPath, RepoPaths.Models, fps: 30, samples: Path.Combine(disk.Path, "samples"));
        config["outbox"]!["diskReserveBytes"] = 512 * 1024;
        config["samples"]!["randomFraction"] = 1.0;
        config["samples"]!["quotaBytes"] = 1 << 20;
        config["samples"]!["minFreeBytes"] = 768 * 1024;
        config["capture"]!["source"] = "folder:" + Path.Combine(RepoPaths.PhoneSet("holdout"), "frames");
        config["model"]!["package"] = Path.Combine(RepoPaths.Models, "reference");

        var parts = new CollectingSink();
        var outputs = new RecordingOutputs();
        var states = new ConcurrentQueue<OutboxDiskState>();
        var integrity = new List<(string Step, string Result)>();
        var clock = Stopwatch.StartNew();
        var station = StationHarness.Create(config, s => s.AddPlantLink().UseOutputs(outputs).AddObserver(parts));
        var plant = station.Get<PlantLink>();
        var outbox = plant.Outbox;
        outbox.Disk.Changed += states.Enqueue;

        using var stop = new CancellationTokenSource();
        var running = station.Runtime.RunAsync(stop.Token);
        try
        {
            // 1. Samples stop at their free-space floor, long before the outbox is short.
            await Wait.UntilAsync(() => SampleCounters(station).SkippedForDisk > 0, "samples to stop for want of room", TimeSpan.FromSeconds(60));
            integrity.Add(("samples stopped", OutboxFile.IntegrityCheck(outboxPath)));

            // 2. Below the reserve metrics stop; below the floor new results are dropped, counted and alerted.
            await Wait.UntilAsync(() => outbox.Disk.Level == DiskLevel.Full && outbox.Disk.Drops.Results > 0, "the outbox to drop results on a full disk", TimeSpan.FromSeconds(120));
            var fullAt = clock.Elapsed;
            var decidedAtFull = parts.Parts.Count;
            var pulsesAtFull = outputs.RejectPulses.Count;
            integrity.Add(("disk full", OutboxFile.IntegrityCheck(outboxPath)));

            // 3. Parts keep being decided and actuated while nothing more can be recorded.
            await Wait.UntilAsync(() => parts.Parts.Count >= decidedAtFull + 60 && outputs.RejectPulses.Count > pulsesAtFull,
                "parts to keep being decided and rejected on a full disk", TimeSpan.FromSeconds(60));
            while (clock.Elapsed < fullAt + TimeSpan.FromSeconds(3) || clock.Elapsed < brokerDownAtLeast)
            {
                await Task.Delay(100);
            }

            var dropsWhileDown = outbox.Disk.Drops;
            var depthWhileDown = outbox.Depth;
            var downFor = clock.Elapsed;
            integrity.Add(("broker down, disk full", OutboxFile.IntegrityCheck(outboxPath)));

            // 4. The broker comes back: the gateway gets every record the outbox kept, and the outbox, drained, writes
            // results again by itself (metrics stay off while the other tenant's file keeps the disk below the reserve).
            await broker.RestartAsync();
            await using var gateway = await GatewaySubscriber.StartAsync(broker.Port, "edgeinspect/#", "fulldisk-gw");
            await Wait.UntilAsync(() => outbox.Disk.Level != DiskLevel.Full, "the outbox to write records again once drained", TimeSpan.FromSeconds(60));
            var backAt = clock.Elapsed;
            await LinkTestKit.WaitUntil(() => outbox.Depth < 50, TimeSpan.FromSeconds(120),
                () => $"the outbox to drain: depth {outbox.Depth}, level {outbox.Disk.Level}, room {outbox.Disk.RoomBytes}, fs free {DiskSpaceGuard.FreeBytesOf(disk.Path)}, published {plant.Link.Counters.Published}, acknowledged {plant.Link.Counters.Acknowledged}, committed {outbox.Committed}");
            integrity.Add(("broker back, drained", OutboxFile.IntegrityCheck(outboxPath)));
            var raisedFull = await gateway.WaitForAsync(m => IsDiskAlert(m) && m.Body.GetProperty("state").GetString() == "raised"
                && m.Body.GetProperty("evidence").GetProperty("level").GetDouble() == (int)DiskLevel.Full, TimeSpan.FromSeconds(30));
            var droppedAfter = outbox.Disk.Drops.Results;
            var resultsAfter = await gateway.WaitForAsync(m => m.Topic.EndsWith("/result", StringComparison.Ordinal) && m.Header.Seq > raisedFull.Header.Seq
                && m.Header.Epoch == outbox.BootEpoch && m.Header.Seq > outbox.LastSeq - 100, TimeSpan.FromSeconds(30));

            // 5. The other tenant frees its space: the alert clears with the counts of the shortage, metrics (with the
            // drop counters) and samples resume by themselves.
            File.Delete(ballast);
            var writtenBefore = SampleCounters(station).Written;
            await LinkTestKit.WaitUntil(() => outbox.Disk.Level == DiskLevel.Normal && SampleCounters(station).Written > writtenBefore + 5, TimeSpan.FromSeconds(30),
                () => $"the disk level to return to normal and samples to resume once space returns: {DiskSpaceGuard.FreeBytesOf(disk.Path)} bytes free, level {outbox.Disk.Level}, {SampleCounters(station).Written} written");
            integrity.Add(("space returned", OutboxFile.IntegrityCheck(outboxPath)));
            var cleared = await gateway.WaitForAsync(m => IsDiskAlert(m) && m.Body.GetProperty("state").GetString() == "cleared", TimeSpan.FromSeconds(30));
            var metrics = await gateway.WaitForAsync(m => m.Topic.EndsWith("/metrics", StringComparison.Ordinal) && Value(m.Body, "outbox.disk_dropped_results") > 0, TimeSpan.FromSeconds(30));

            var counters = SampleCounters(station);

            // Shutdown: the station stops cleanly, its last records flushed.
            stop.Cancel();
            await running.WaitAsync(TimeSpan.FromSeconds(60));
            await station.DisposeAsync();
            integrity.Add(("after shutdown", OutboxFile.IntegrityCheck(outboxPath)));

            var levels = states.Select(s => s.Level).ToList();
            var firstLow = levels.IndexOf(DiskLevel.Low);
            var firstFull = levels.IndexOf(DiskLevel.Full);
            ReliabilityFigures.Report(output, "full-disk", new JsonObject
            {
                ["filesystem"] = $"tmpfs size={disk.SizeBytes} (mounted by the test), 1.5 MiB of it taken by another file until the last step",
                ["brokerDownSeconds"] = Math.Round(downFor.TotalSeconds, 1),
                ["fullAfterSeconds"] = Math.Round(fullAt.TotalSeconds, 1),
                ["recordsAgainSecondsAfterBroker"] = Math.Round((backAt - downFor).TotalSeconds, 1),
                ["partsDecided"] = parts.Parts.Count,
                ["rejectPulses"] = outputs.RejectPulses.Count,
                ["droppedResults"] = dropsWhileDown.Results,
                ["droppedRecords"] = dropsWhileDown.Records,
                ["droppedMetricsRefused"] = dropsWhileDown.Metrics,
                ["droppedMetricsDeleted"] = outbox.DroppedMetrics,
                ["keptInOutboxWhileDown"] = depthWhileDown,
                ["samplesWritten"] = counters.Written,
                ["samplesSkippedForDisk"] = counters.SkippedForDisk,
                ["integrity"] = new JsonArray([.. integrity.Select(i => (JsonNode)$"{i.Step}: {i.Result}")]),
                ["levels"] = string.Join(" > ", levels),
            });

            Assert.All(integrity, i => Assert.Equal("ok", i.Result));
            Assert.True(firstLow >= 0 && firstLow < firstFull, $"metrics stop (Low) before records are dropped (Full): {string.Join(", ", levels)}");
            Assert.True(dropsWhileDown.Metrics + outbox.DroppedMetrics > 0, "metrics were dropped first");
            Assert.True(depthWhileDown > 100, $"the records committed before the disk filled are kept: {depthWhileDown}");
            Assert.Equal("critical", raisedFull.Body.GetProperty("severity").GetString());
            Assert.Equal(droppedAfter, (long)cleared.Body.GetProperty("evidence").GetProperty("droppedResults").GetDouble());
            Assert.Equal(droppedAfter, (long)Value(metrics.Body, "outbox.disk_dropped_results"));
            Assert.True(resultsAfter.Header.Seq > raisedFull.Header.Seq);
            Assert.Equal(0, outbox.Depth);
        }
        finally
        {
            stop.Cancel();
            try
            {
                await running.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
            }

            await station.DisposeAsync();
        }
    }

    private static SampleWriterCounters SampleCounters(StationHarness station)
    {
        var values = new Dictionary<string, double>();
        station.Get<SamplingStage>().WriteTo(values);
        return new SampleWriterCounters((long)values.GetValueOrDefault("samples.enqueued"), (long)values.GetValueOrDefault("samples.written"), 0, 0, 0, 0, 0,
            (long)values.GetValueOrDefault("samples.skipped_disk_full"));
    }

    private static bool IsDiskAlert(Received m) => m.Topic.EndsWith("/alert", StringComparison.Ordinal) && Name(m.Body) == OutboxSink.DiskLowAlert;

    private static string? Name(JsonElement body) => body.TryGetProperty("name", out var n) ? n.GetString() : null;

    /// <summary>A figure of a metrics body, wherever its values sit (a flat map of name to number).</summary>
    private static double Value(JsonElement body, string name)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name == name && property.Value.ValueKind == JsonValueKind.Number)
            {
                return property.Value.GetDouble();
            }

            if (property.Value.ValueKind == JsonValueKind.Object && Value(property.Value, name) is var v and > 0)
            {
                return v;
            }
        }

        return 0;
    }
}

/// <summary>A size-limited tmpfs the test mounts (as root) and unmounts; a full disk without filling the machine's.</summary>
internal sealed class SmallFilesystem : IDisposable
{
    private SmallFilesystem(string path, long sizeBytes)
    {
        Path = path;
        SizeBytes = sizeBytes;
    }

    public string Path { get; }

    public long SizeBytes { get; }

    public static SmallFilesystem Mount(string path, long sizeBytes)
    {
        Directory.CreateDirectory(path);
        var (code, text) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeBytes},mode=0755", "tmpfs", path);
        Assert.True(code == 0, $"mounting a {sizeBytes}-byte tmpfs at {path} failed ({text.Trim()}): this test needs root (CI runs as root)");
        return new SmallFilesystem(path, sizeBytes);
    }

    public void Dispose()
    {
        // Lazy: a station that has not let go of a file yet does not leave the mount behind.
        Run("umount", "-l", Path);
    }

    private static (int Code, string Text) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var text = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, text);
    }
}
