using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Cli;

/// <summary>
/// `edgeinspect soak --minutes N [--fps F] [--sample-every T] [--json] [--samples-csv FILE]`: the whole station (the
/// repository's holdout frames looped at a fixed rate, the reference model, live mode with a scripted inspector
/// answering 2% audits, the outbox and MQTT to a local broker it starts) for N minutes, sampling the process. It
/// reports a least-squares slope per hour of RSS, open file descriptors, threads and the outbox's depth over the run
/// after its first fifth (start-up: JIT, pools, ORT arenas), so a leak reads as a slope and warm-up does not.
/// </summary>
/// <remarks>
/// Goals (issue 19): RSS under 5 MB per hour, no growth of handles or threads. A slope over a few minutes is mostly
/// noise; the goals are judged over the hour-long run (docs/reliability.md). The exit code is 0 when the station ran
/// and decided parts at the rate, whatever the slopes; <c>--check</c> makes a missed goal exit 1 too.
/// </remarks>
public static class SoakCommand
{
    /// <summary>The RSS goal, bytes per hour.</summary>
    public const double RssGoalBytesPerHour = 5 * 1024 * 1024;

    public static Command Create()
    {
        var minutes = new Option<double>("--minutes") { Description = "How long to run (minutes; fractions allowed).", DefaultValueFactory = _ => 60 };
        var fps = new Option<double>("--fps") { Description = "Camera rate (frames per second), fixed for the whole run.", DefaultValueFactory = _ => 10 };
        var every = new Option<TimeSpan>("--sample-every") { Description = "Sampling interval, e.g. 00:00:05.", DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var csv = new Option<string?>("--samples-csv") { Description = "Also write every sample to this CSV file." };
        var check = new Option<bool>("--check") { Description = "Exit 1 when a goal is missed (RSS >= 5 MB/h, handle or thread growth)." };
        var command = new Command("soak", "Run the station at a fixed rate for N minutes and report RSS, handle, thread and outbox slopes per hour.")
        {
            minutes, fps, every, json, csv, check,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(minutes), parse.GetValue(fps), parse.GetValue(every), parse.GetValue(json), parse.GetValue(csv),
            parse.GetValue(check), Console.Out, Console.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(double minutes, double fps, TimeSpan every, bool json, string? csv, bool check, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        if (!(minutes is >= 0.25 and <= 24 * 60) || !(fps is >= 1 and <= 120) || every < TimeSpan.FromMilliseconds(200) || every > TimeSpan.FromMinutes(5))
        {
            error.WriteLine("--minutes must be 0.25..1440, --fps 1..120 and --sample-every 00:00:00.2..00:05:00");
            return ExitCodes.InvalidInput;
        }

        if (!NativeCheck.Ready(error))
        {
            return ExitCodes.EnvironmentNotReady;
        }

        DemoAssets assets;
        try
        {
            assets = DemoAssets.Locate();
        }
        catch (FileNotFoundException e)
        {
            error.WriteLine("edgeinspect soak: " + e.Message);
            return ExitCodes.EnvironmentNotReady;
        }

        OpenCvInfo.SetLogLevel(2);
        var duration = TimeSpan.FromMinutes(minutes);
        var work = Directory.CreateTempSubdirectory("edgeinspect-soak-").FullName;
        try
        {
            using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(work, "broker"), cancellationToken);
            var loaded = StationConfigLoader.CreateDefault().LoadJson(StationConfig(work, assets, fps, broker.Port).ToJsonString(), "the soak station (in memory)");
            if (!loaded.IsValid)
            {
                error.WriteLine("edgeinspect soak: the soak station config is invalid: " + string.Join("; ", loaded.Errors));
                return ExitCodes.Failed;
            }

            var builder = StationHost.CreateBuilder(LogLevel.Warning);
            builder.Services.AddEdgeInspectStation(loaded.Config).AddPlantLink();
            using var host = builder.Build();
            var runtime = host.Services.GetRequiredService<StationRuntime>();
            var outbox = host.Services.GetRequiredService<PlantLink>().Outbox;

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = runtime.RunAsync(stop.Token);
            var samples = new List<Sample>();
            var stats = new ProcessStatsSampler();
            var clock = Stopwatch.StartNew();
            using var timer = new PeriodicTimer(every);
            samples.Add(Take(clock.Elapsed, stats, outbox.Depth, runtime.Pipeline.Routing.Decided));
            while (clock.Elapsed < duration && !running.IsCompleted)
            {
                try
                {
                    await timer.WaitForNextTickAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                samples.Add(Take(clock.Elapsed, stats, outbox.Depth, runtime.Pipeline.Routing.Decided));
            }

            var stoppedEarly = running.IsCompleted;
            stop.Cancel();
            await running;
            var elapsed = clock.Elapsed;

            if (csv is not null)
            {
                WriteCsv(csv, samples);
            }

            var report = Report(samples, duration, elapsed, fps, every, stoppedEarly);
            if (json)
            {
                output.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                Print(output, report);
            }

            var ranAtRate = !stoppedEarly && report["decided"]!.GetValue<long>() >= 0.5 * fps * elapsed.TotalSeconds;
            if (!ranAtRate)
            {
                error.WriteLine($"edgeinspect soak: the station {(stoppedEarly ? "stopped before the end" : "decided fewer than half the parts its camera rate asks for")}");
                return ExitCodes.Failed;
            }

            return check && !report["goals"]!["met"]!.GetValue<bool>() ? ExitCodes.Failed : ExitCodes.Ok;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is not a failed soak.
            }
        }
    }

    /// <summary>One look at the process.</summary>
    internal readonly record struct Sample(TimeSpan At, long RssBytes, int Handles, int Threads, long OutboxDepth, long Decided, long Gen2);

    /// <summary>A least-squares line through (hours, value): the slope is per hour.</summary>
    internal static double SlopePerHour(IReadOnlyList<Sample> samples, Func<Sample, double> value)
    {
        if (samples.Count < 3)
        {
            return 0;
        }

        var n = samples.Count;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var s in samples)
        {
            var x = s.At.TotalHours;
            var y = value(s);
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }

        var d = (n * sxx) - (sx * sx);
        return d <= 0 ? 0 : ((n * sxy) - (sx * sy)) / d;
    }

    /// <summary>The samples after the first fifth of the run (start-up), at least three.</summary>
    internal static IReadOnlyList<Sample> Steady(IReadOnlyList<Sample> samples)
    {
        if (samples.Count == 0)
        {
            return samples;
        }

        var from = samples[^1].At * 0.2;
        var steady = samples.Where(s => s.At >= from).ToList();
        return steady.Count >= 3 ? steady : samples;
    }

    private static Sample Take(TimeSpan at, ProcessStatsSampler stats, long depth, long decided) =>
        new(at, stats.Sample().ResidentBytes ?? Environment.WorkingSet, OpenHandles(), CurrentThreads(), depth, decided, GC.CollectionCount(2));

    /// <summary>Open file descriptors (/proc/self/fd): files, sockets, pipes, eventfds, the camera and the model.</summary>
    internal static int OpenHandles()
    {
        try
        {
            // The enumeration itself holds one descriptor for the directory.
            return Directory.GetFileSystemEntries("/proc/self/fd").Length - 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            using var self = Process.GetCurrentProcess();
            return self.HandleCount;
        }
    }

    /// <summary>OS threads of the process (/proc/self/task): managed, native (ORT, OpenCV) and the runtime's own.</summary>
    internal static int CurrentThreads()
    {
        try
        {
            return Directory.GetDirectories("/proc/self/task").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            using var self = Process.GetCurrentProcess();
            return self.Threads.Count;
        }
    }

    private static JsonObject Report(List<Sample> samples, TimeSpan duration, TimeSpan elapsed, double fps, TimeSpan every, bool stoppedEarly)
    {
        var steady = Steady(samples);
        var first = steady[0];
        var last = samples[^1];
        var rss = SlopePerHour(steady, s => s.RssBytes);
        var handles = SlopePerHour(steady, s => s.Handles);
        var threads = SlopePerHour(steady, s => s.Threads);
        var depth = SlopePerHour(steady, s => s.OutboxDepth);

        // "No growth" read as the count at the end against the most the steady window's first half saw: a slope of
        // a small integer count over a short run is dominated by one pool thread coming or going.
        var firstHalf = steady.Where(s => s.At <= first.At + ((last.At - first.At) / 2)).ToList();
        var handleGrowth = last.Handles - firstHalf.Max(s => s.Handles);
        var threadGrowth = last.Threads - firstHalf.Max(s => s.Threads);
        var rssOk = rss < RssGoalBytesPerHour;
        var handlesOk = handleGrowth <= 0;
        var threadsOk = threadGrowth <= 0;
        return new JsonObject
        {
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}",
            ["minutes"] = Math.Round(duration.TotalMinutes, 2),
            ["elapsedSeconds"] = Math.Round(elapsed.TotalSeconds, 1),
            ["fps"] = fps,
            ["sampleEverySeconds"] = every.TotalSeconds,
            ["samples"] = samples.Count,
            ["steadyFromSeconds"] = Math.Round(first.At.TotalSeconds, 1),
            ["stoppedEarly"] = stoppedEarly,
            ["decided"] = last.Decided,
            ["decidedPerSecond"] = Math.Round(last.Decided / Math.Max(1, last.At.TotalSeconds), 2),
            ["gen2Collections"] = last.Gen2 - first.Gen2,
            ["rss"] = new JsonObject
            {
                ["startMB"] = Mb(first.RssBytes), ["endMB"] = Mb(last.RssBytes), ["maxMB"] = Mb(steady.Max(s => s.RssBytes)),
                ["slopeMBPerHour"] = Math.Round(rss / (1024 * 1024), 3),
            },
            ["handles"] = new JsonObject
            {
                ["start"] = first.Handles, ["end"] = last.Handles, ["max"] = steady.Max(s => s.Handles), ["slopePerHour"] = Math.Round(handles, 2), ["growth"] = handleGrowth,
            },
            ["threads"] = new JsonObject
            {
                ["start"] = first.Threads, ["end"] = last.Threads, ["max"] = steady.Max(s => s.Threads), ["slopePerHour"] = Math.Round(threads, 2), ["growth"] = threadGrowth,
            },
            ["outbox"] = new JsonObject
            {
                ["startDepth"] = first.OutboxDepth, ["endDepth"] = last.OutboxDepth, ["maxDepth"] = steady.Max(s => s.OutboxDepth), ["slopePerHour"] = Math.Round(depth, 1),
            },
            ["goals"] = new JsonObject
            {
                ["rssBelow5MBPerHour"] = rssOk,
                ["noHandleGrowth"] = handlesOk,
                ["noThreadGrowth"] = threadsOk,
                ["met"] = rssOk && handlesOk && threadsOk,
            },
        };
    }

    private static double Mb(long bytes) => Math.Round(bytes / (1024.0 * 1024), 1);

    private static void Print(TextWriter output, JsonObject r)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"soak: {r["elapsedSeconds"]} s at {r["fps"]} fps, {r["decided"]} parts decided ({r["decidedPerSecond"]}/s), {r["samples"]} samples, steady from {r["steadyFromSeconds"]} s"));
        output.WriteLine(string.Create(inv, $"  RSS      {r["rss"]!["startMB"]} -> {r["rss"]!["endMB"]} MB, slope {r["rss"]!["slopeMBPerHour"]} MB/h (goal < 5)"));
        output.WriteLine(string.Create(inv, $"  handles  {r["handles"]!["start"]} -> {r["handles"]!["end"]}, slope {r["handles"]!["slopePerHour"]}/h, growth {r["handles"]!["growth"]} (goal 0)"));
        output.WriteLine(string.Create(inv, $"  threads  {r["threads"]!["start"]} -> {r["threads"]!["end"]}, slope {r["threads"]!["slopePerHour"]}/h, growth {r["threads"]!["growth"]} (goal 0)"));
        output.WriteLine(string.Create(inv, $"  outbox   depth {r["outbox"]!["startDepth"]} -> {r["outbox"]!["endDepth"]} (max {r["outbox"]!["maxDepth"]}), slope {r["outbox"]!["slopePerHour"]}/h"));
        output.WriteLine($"  goals met: {r["goals"]!["met"]}");
    }

    private static void WriteCsv(string path, List<Sample> samples)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("seconds,rss_bytes,handles,threads,outbox_depth,decided,gen2");
        foreach (var s in samples)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.At.TotalSeconds:0.0},{s.RssBytes},{s.Handles},{s.Threads},{s.OutboxDepth},{s.Decided},{s.Gen2}"));
        }
    }

    /// <summary>The soak station, in memory: like the bench station, with a metrics snapshot every 10 s and 1% random samples.</summary>
    private static JsonObject StationConfig(string work, DemoAssets assets, double fps, int port) => new()
    {
        ["station"] = new JsonObject { ["deviceId"] = "soak", ["site"] = "soak", ["area"] = "soak", ["line"] = "soak", ["name"] = "soak", ["configRevision"] = "soak" },
        ["automation"] = new JsonObject { ["mode"] = "live", ["auditFraction"] = 0.02 },
        ["samples"] = new JsonObject { ["folder"] = Path.Combine(work, "samples"), ["randomFraction"] = 0.01, ["saveDisagreements"] = true, ["saveUncertain"] = false },
        ["capture"] = new JsonObject { ["cameraId"] = "soak", ["source"] = "folder:" + assets.Frames, ["endOfStream"] = "loop", ["targetFps"] = fps },
        ["model"] = new JsonObject { ["package"] = assets.ModelPackage, ["modelsFolder"] = assets.ModelsFolder },
        ["link"] = new JsonObject { ["host"] = "127.0.0.1", ["port"] = port },
        ["outbox"] = new JsonObject { ["path"] = Path.Combine(work, "outbox.db") },
        ["inspector"] = new JsonObject
        {
            ["backend"] = "scripted",
            ["scripted"] = new JsonObject { ["position"] = "soak", ["inspectorId"] = "scripted", ["errorRate"] = 0.03, ["responseDelay"] = "00:00:00.200", ["responseJitter"] = "00:00:00.100", ["seed"] = 7 },
        },
        ["pipeline"] = new JsonObject { ["metricsInterval"] = "00:00:10", ["labels"] = assets.Labels },
    };
}
