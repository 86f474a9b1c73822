using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Native;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.Telemetry;
using EdgeInspect.Worker.Pipeline;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Cli;

/// <summary>
/// `edgeinspect bench --model &lt;package&gt; --source &lt;folder|video&gt; [--frames N] [--threads 1,2|auto] [--rate FPS] [--paced-frames N] [--mode M] [--json]`:
/// in one process, the bare loop (TurboJPEG decode + preprocess + ORT Run, serially, one thread of ours) at each
/// thread setting, the full station pipeline (capture, input metrics, inference, decision, record, durable outbox,
/// MQTT to a local broker the bench starts, a subscriber measuring capture→publish) unpaced at each thread setting,
/// and, with a rate, the pipeline again with the camera paced like a line: CPU per part, capture→decision and
/// capture→publish percentiles (every part, audited ones included) beside the inference p99, steady RSS.
/// </summary>
public static class BenchCommand
{
    private const int Warmup = 100;

    // The --set overrides of this run (one bench per process).
    private static string[] _settings = [];

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model package.", Required = true };
        var source = new Option<string>("--source") { Description = "A folder of images or a video file; looped as needed.", Required = true };
        var frames = new Option<int>("--frames") { Description = "Frames per unpaced run (the bare loop and the pipeline, at each thread setting).", DefaultValueFactory = _ => 2000 };
        var threads = new Option<string>("--threads") { Description = "ONNX Runtime intra-op threads: a list (1,2) or auto (what the station chooses from its cores).", DefaultValueFactory = _ => "1" };
        var rate = new Option<double>("--rate") { Description = "Frames per second of the paced pipeline run (0: no paced run).", DefaultValueFactory = _ => 0 };
        var pacedFrames = new Option<int>("--paced-frames") { Description = "Frames of the paced run.", DefaultValueFactory = _ => 600 };
        var pacedOnly = new Option<bool>("--paced-only") { Description = "Only the paced pipeline run (its RSS is then a station's alone)." };
        var pacedThreads = new Option<string>("--paced-threads")
        {
            Description = "ONNX Runtime intra-op threads of the paced run: auto (what a station chooses from its cores, as `run` does), best (the fastest unpaced setting) or a number.",
            DefaultValueFactory = _ => "auto",
        };
        var mode = new Option<string>("--mode") { Description = "Automation mode of the pipeline runs (live audits 2% of parts with a scripted inspector).", DefaultValueFactory = _ => "live" };
        mode.AcceptOnlyFromAmong("shadow", "assist", "partial", "canary", "live");
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var station = new Option<string[]>("--set") { Description = "A station setting for the pipeline runs, section:key=value (e.g. model:inference:cpuMemoryArena=false, pipeline:poolFrames=12).", AllowMultipleArgumentsPerToken = true };
        var dashboardClients = new Option<int>("--dashboard-clients") { Description = "Instead: CPU per part with N dashboard clients on the live feed against none (Dashboard/DashboardLoad.cs); uses the first --threads value (auto: 0)." };
        var command = new Command("bench", "Measure the station pipeline against a bare decode + inference loop, in one run.") { model, source, frames, threads, rate, pacedFrames, pacedOnly, pacedThreads, mode, json, station, dashboardClients };
        command.SetAction((parse, cancellationToken) => parse.GetValue(dashboardClients) > 0
            ? Dashboard.DashboardLoad.RunAsync(parse.GetValue(model)!, parse.GetValue(source)!, parse.GetValue(frames), FirstThreads(parse.GetValue(threads)!), parse.GetValue(rate),
                parse.GetValue(dashboardClients), parse.GetValue(json), Console.Out, Console.Error, cancellationToken)
            : RunAsync(parse.GetValue(model)!, parse.GetValue(source)!, parse.GetValue(frames), parse.GetValue(threads)!,
                parse.GetValue(rate), parse.GetValue(pacedFrames), parse.GetValue(pacedOnly), parse.GetValue(mode)!, parse.GetValue(json), Console.Out, Console.Error, cancellationToken, parse.GetValue(station) ?? [],
                parse.GetValue(pacedThreads)!));
        return command;
    }

    /// <summary>The dashboard load's one thread setting: the first of a --threads list, 0 (the station's own choice) for auto.</summary>
    private static int FirstThreads(string threads) =>
        int.TryParse(threads.Split(',')[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    public static async Task<int> RunAsync(string modelPackage, string source, int frames, string threads, double rate, int pacedFrames, bool pacedOnly, string mode, bool json,
        TextWriter output, TextWriter error, CancellationToken cancellationToken, string[]? settings = null, string pacedThreads = "auto")
    {
        _settings = settings ?? [];
        if (!NativeCheck.Ready(error))
        {
            return ExitCodes.EnvironmentNotReady;
        }

        var threadSettings = ParseThreads(threads);
        var pacedSetting = pacedThreads == "best" ? [] : ParseThreads(pacedThreads);
        if (_settings.Any(s => !s.Contains('=') || !s.Contains(':')))
        {
            error.WriteLine("--set takes section:key=value, e.g. model:inference:cpuMemoryArena=false");
            return ExitCodes.InvalidInput;
        }

        if (frames < 200 || pacedFrames < 200 || threadSettings is null || pacedSetting is null or { Length: > 1 } || !(rate is >= 0 and <= 1000) || (pacedOnly && rate == 0) || !AutomationModes.TryParse(mode, out var automationMode))
        {
            error.WriteLine("--frames and --paced-frames must be at least 200 (the first 100 are warm-up), --threads a list of 1..64 or auto, --paced-threads auto, best or one of 1..64, --rate 0..1000 (above 0 with --paced-only) "
                + "and --mode one of shadow, assist, partial, canary, live");
            return ExitCodes.InvalidInput;
        }

        var (sourceUri, _) = ReplayCommand.ResolveSource(source);
        if (sourceUri is null)
        {
            error.WriteLine($"--source: '{source}' is neither a folder of images nor a video file");
            return ExitCodes.InvalidInput;
        }

        OpenCvInfo.SetLogLevel(2);
        var bare = new List<BenchRunFigures>();
        var unpaced = new List<BenchRunFigures>();
        if (!pacedOnly)
        {
            // Alternate, so a load that comes and goes touches both kinds of run.
            foreach (var t in threadSettings)
            {
                bare.Add(BenchBareLoop.Run(modelPackage, sourceUri, frames, t, Warmup));
                unpaced.Add(await RunPipelineAsync(modelPackage, source, sourceUri, frames, t, 0, automationMode, cancellationToken));
            }
        }

        var best = unpaced.OrderByDescending(r => r.Fps).FirstOrDefault();
        BenchRunFigures? paced = null;
        if (rate > 0)
        {
            // A line's rate runs at the station's own thread choice unless told otherwise: what `run` would use, and the
            // cheapest per part (a second ORT thread buys speed a paced station does not need, for CPU it pays every frame).
            var threadsAtRate = pacedSetting is [var chosen] ? chosen : best?.Threads ?? threadSettings[0];
            paced = await RunPipelineAsync(modelPackage, source, sourceUri, pacedFrames, threadsAtRate, rate, automationMode, cancellationToken);
        }

        var peakRss = new ProcessStatsSampler().Sample().PeakResidentBytes ?? 0;
        var bare1 = bare.FirstOrDefault(r => r.Threads == 1) ?? bare.FirstOrDefault();
        var bestBare = bare.OrderByDescending(r => r.Fps).FirstOrDefault();
        var summary = new BenchSummary(bare1, bestBare, best, paced, peakRss);
        var figures = new JsonObject
        {
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}",
            ["model"] = modelPackage,
            ["source"] = sourceUri,
            ["frames"] = frames,
            ["threads"] = new JsonArray([.. threadSettings.Select(t => (JsonNode)t)]),
            ["pacedThreads"] = pacedThreads,
            ["set"] = new JsonArray([.. _settings.Select(t => (JsonNode)t)]),
            ["autoThreads"] = InferenceOptions.ChooseIntraOpThreads(Environment.ProcessorCount),
            ["rate"] = rate,
            ["mode"] = automationMode.ToName(),
            ["bare"] = new JsonArray([.. bare.Select(r => (JsonNode)r.ToJson())]),
            ["pipeline"] = new JsonArray([.. unpaced.Select(r => (JsonNode)r.ToJson())]),
            ["paced"] = paced?.ToJson(),
            // Issue 13's figures, where the docs and scripts have always read them: the paced run's decisions.
            ["decision"] = paced?.Decision?.ToJson() ?? best?.Decision?.ToJson(),
            ["peakRssBytes"] = peakRss,
            ["summary"] = summary.ToJson(),
        };

        if (json)
        {
            output.WriteLine(figures.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            Print(output, bare, unpaced, paced, summary, automationMode);
        }

        var complete = unpaced.All(r => r.Frames >= frames) && (paced is null || paced.Frames >= pacedFrames);
        return complete ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>"1,2", "auto", "1,auto" → thread counts; null when not that.</summary>
    internal static int[]? ParseThreads(string text)
    {
        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "auto")
            {
                list.Add(InferenceOptions.ChooseIntraOpThreads(Environment.ProcessorCount));
            }
            else if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 64)
            {
                list.Add(n);
            }
            else
            {
                return null;
            }
        }

        return list.Count == 0 ? null : [.. list.Distinct()];
    }

    /// <summary>The station itself, publishing every result through the outbox to a local broker.</summary>
    private static async Task<BenchRunFigures> RunPipelineAsync(string modelPackage, string source, string sourceUri, int frames, int threads, double rate, AutomationMode mode,
        CancellationToken cancellationToken)
    {
        var warmup = Warmup;
        // Each run starts on a clean heap: what earlier runs in this process left (their stations, sessions and
        // buffers, promoted to gen2 while they ran) would otherwise be collected inside this run's steady window, as a
        // gen2 a station running alone never has.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var work = Directory.CreateTempSubdirectory("edgeinspect-bench-").FullName;
        try
        {
            using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(work, "broker"), cancellationToken);
            var labels = ReplayCommand.FindLabels(source);
            var config = StationConfig(work, modelPackage, sourceUri, threads, rate, mode, labels, broker.Port);
            foreach (var setting in _settings)
            {
                Apply(config, setting);
            }

            var loaded = StationConfigLoader.CreateDefault().LoadJson(config.ToJsonString(), "the bench station (in memory)");
            if (!loaded.IsValid)
            {
                throw new InvalidOperationException("bench station config is invalid: " + string.Join("; ", loaded.Errors));
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var counter = new SteadyStateCounter(frames, warmup, stop);
            var builder = StationHost.CreateBuilder(LogLevel.Warning);
            builder.Services.AddEdgeInspectStation(loaded.Config).AddPlantLink().AddObserver(counter);
            using var host = builder.Build();
            var runtime = host.Services.GetRequiredService<StationRuntime>();

            // Capture → publish: a subscriber on the broker takes the capture time out of each result it receives.
            var capturedToPublished = new LatencyTracker();
            var received = 0L;
            await using var subscriber = new MqttConnection(new MqttConnectionOptions { Host = broker.Host, Port = broker.Port, ClientId = "bench-sub" });
            subscriber.MessageReceived += message =>
            {
                if (!message.Topic.EndsWith("/result", StringComparison.Ordinal))
                {
                    return;
                }

                var reader = new Utf8JsonReader(message.Payload);
                while (reader.Read())
                {
                    if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("captureUtc"u8) && reader.Read())
                    {
                        if (Interlocked.Increment(ref received) > warmup)
                        {
                            capturedToPublished.Record(DateTimeOffset.UtcNow - reader.GetDateTimeOffset());
                        }

                        break;
                    }
                }
            };
            subscriber.Subscribe(loaded.Config.Section<Link.LinkOptions>("link").Topics(loaded.Config.Options.Station).Result);
            subscriber.Start();
            await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(10), cancellationToken);

            await runtime.RunAsync(stop.Token);
            var decided = runtime.Pipeline.Routing.Decided;
            var deadline = Stopwatch.StartNew();
            while (Interlocked.Read(ref received) < decided && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, cancellationToken);
            }

            var stages = counter.FinalStages();
            stages["capture_to_publish"] = capturedToPublished.Snapshot(false);
            return new BenchRunFigures("pipeline", threads, rate, decided, counter.Steady, counter.SteadyFrames, stages, Interlocked.Read(ref received), counter.Decisions(),
                counter.SteadyRss);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>section:key=value into the in-memory station file: numbers and booleans as JSON, anything else as a string.</summary>
    private static void Apply(JsonObject config, string setting)
    {
        var (path, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
        var keys = path.Split(':');
        var node = config;
        foreach (var key in keys[..^1])
        {
            if (node[key] is not JsonObject child)
            {
                child = [];
                node[key] = child;
            }

            node = child;
        }

        node[keys[^1]] = value is "true" or "false" ? JsonValue.Create(value == "true")
            : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(value);
    }

    /// <summary>
    /// The bench station, in memory. With labels beside the source, a scripted inspector answers audits (and every part
    /// in the modes where a human decides) 200–300 ms after capture, like a person at the line.
    /// </summary>
    internal static JsonObject StationConfig(string work, string modelPackage, string sourceUri, int threads, double rate, AutomationMode mode, string? labels, int port) => new()
    {
        ["station"] = new JsonObject { ["deviceId"] = "bench", ["site"] = "bench", ["area"] = "bench", ["line"] = "bench", ["name"] = "bench", ["configRevision"] = "bench" },
        ["automation"] = new JsonObject { ["mode"] = mode.ToName(), ["auditFraction"] = 0.02 },
        ["samples"] = new JsonObject { ["folder"] = Path.Combine(work, "samples"), ["randomFraction"] = 0.0, ["saveDisagreements"] = false, ["saveUncertain"] = false },
        ["capture"] = new JsonObject { ["cameraId"] = "bench", ["source"] = sourceUri, ["endOfStream"] = "loop", ["targetFps"] = rate },
        ["model"] = new JsonObject { ["package"] = modelPackage, ["modelsFolder"] = Path.GetDirectoryName(Path.GetFullPath(modelPackage)), ["inference"] = new JsonObject { ["intraOpThreads"] = threads } },
        ["link"] = new JsonObject { ["host"] = "127.0.0.1", ["port"] = port },
        ["outbox"] = new JsonObject { ["path"] = Path.Combine(work, "outbox.db") },
        ["inspector"] = labels is null
            ? new JsonObject { ["backend"] = "none", ["allowRunWithoutInspector"] = true }
            : new JsonObject
            {
                ["backend"] = "scripted",
                ["scripted"] = new JsonObject { ["position"] = "bench", ["inspectorId"] = "scripted", ["errorRate"] = 0.03, ["responseDelay"] = "00:00:00.200", ["responseJitter"] = "00:00:00.100", ["seed"] = 7 },
            },
        // One snapshot at the end of the run, so its stage percentiles cover the whole run.
        ["pipeline"] = new JsonObject { ["metricsInterval"] = "01:00:00", ["labels"] = labels ?? "" },
    };

    private static void Print(TextWriter output, List<BenchRunFigures> bare, List<BenchRunFigures> unpaced, BenchRunFigures? paced, BenchSummary summary, AutomationMode mode)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"pipeline in {mode.ToName()} mode; {Environment.ProcessorCount} cores; the station's own thread choice here: {InferenceOptions.ChooseIntraOpThreads(Environment.ProcessorCount)}"));
        output.WriteLine(string.Create(inv, $"{"run",-34}{"fps",9}{"CPU ms/frame",14}{"B/frame",10}{"gen0/1/2",10}{"c->dec p50/p99 ms",20}{"c->pub p50/p99 ms",20}{"infer p99",11}"));
        foreach (var run in bare.Concat(unpaced).Concat(paced is null ? [] : [paced]))
        {
            var name = $"{run.Kind}, {run.Threads} thr{(run.Rate > 0 ? string.Create(inv, $", {run.Rate:0.#} fps") : "")}";
            var decision = run.Decision is { } d ? string.Create(inv, $"{d.CaptureToDecisionP50Ms:0.00}/{d.CaptureToDecisionP99Ms:0.00}") : "-";
            var publish = run.Stages.TryGetValue("capture_to_publish", out var p) ? string.Create(inv, $"{p.P50Seconds * 1000:0.00}/{p.P99Seconds * 1000:0.00}") : "-";
            var inference = run.Stages.TryGetValue("inference", out var i) ? string.Create(inv, $"{i.P99Seconds * 1000:0.00}") : "-";
            output.WriteLine(string.Create(inv,
                $"{name,-34}{run.Fps,9:0.0}{run.CpuMsPerFrame,14:0.00}{run.AllocatedPerFrame,10:0}{$"{run.Window.Gen0}/{run.Window.Gen1}/{run.Window.Gen2}",10}{decision,20}{publish,20}{inference,11}"));
        }

        summary.Print(output);
        paced?.Decision?.Print(output);
    }

    /// <summary>
    /// Starts the steady-state window after warm-up, records each steady part's decision latency, and stops capture
    /// once enough parts are done.
    /// </summary>
    private sealed class SteadyStateCounter(int frames, int warmup, CancellationTokenSource stop) : IStationSink
    {
        private readonly DecisionLatencies _decisions = new(frames - warmup);
        private int _parts;
        private BenchSteady _start;

        public DecisionFigures Decisions() => _decisions.Figures();

        public BenchWindow Steady { get; private set; }

        /// <summary>The process's RSS when the window closed: the station running, warm.</summary>
        public long? SteadyRss { get; private set; }

        public int SteadyFrames => frames - warmup;

        private MetricsBody? _last;

        /// <summary>Per-stage latency of the whole run, from the pipeline's final metrics snapshot (milliseconds there).</summary>
        public Dictionary<string, LatencySummary> FinalStages()
        {
            var stages = new Dictionary<string, LatencySummary>(StringComparer.Ordinal);
            foreach (var stage in new[] { "preprocess", "inference", "capture_to_decision" })
            {
                double Get(string key) => _last?.Values.TryGetValue($"stages.{stage}.{key}", out var v) == true ? v : 0;
                stages[stage] = new LatencySummary((long)Get("count"), Get("mean_ms") / 1000, Get("p50_ms") / 1000, Get("p95_ms") / 1000, Get("p99_ms") / 1000, Get("max_ms") / 1000);
            }

            return stages;
        }

        public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
        {
            var done = ++_parts;
            if (done > warmup && done <= frames)
            {
                _decisions.Add(part);
            }

            if (done == warmup)
            {
                _start = BenchSteady.Start();
            }
            else if (done == frames)
            {
                Steady = _start.Stop();
                SteadyRss = new ProcessStatsSampler().Sample().ResidentBytes;
                stop.Cancel();
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask MetricsAsync(MetricsBody body, CancellationToken cancellationToken)
        {
            _last = body;
            return ValueTask.CompletedTask;
        }
    }
}
