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
/// `edgeinspect bench --model &lt;package&gt; --source &lt;folder|video&gt; [--frames N] [--threads N] [--rate FPS] [--mode M] [--json]`:
/// the full station pipeline (capture, input metrics, inference, decision, record, durable outbox, MQTT to a local
/// broker the bench starts) side by side, in one process, with a bare loop of decode + preprocess + ORT Run on the
/// same threads. With a rate, the camera is paced like a line; the decision figures (capture→decision p50/p99 over
/// every part, audited ones included, beside the inference p99) are what to read then.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model package.", Required = true };
        var source = new Option<string>("--source") { Description = "A folder of images or a video file; looped as needed.", Required = true };
        var frames = new Option<int>("--frames") { Description = "Frames per run (each of the bare loop and the pipeline).", DefaultValueFactory = _ => 2000 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads.", DefaultValueFactory = _ => 1 };
        var rate = new Option<double>("--rate") { Description = "Camera frames per second for the pipeline (0: as fast as it goes).", DefaultValueFactory = _ => 0 };
        var mode = new Option<string>("--mode") { Description = "Automation mode of the pipeline run (live audits 2% of parts with a scripted inspector).", DefaultValueFactory = _ => "live" };
        mode.AcceptOnlyFromAmong("shadow", "assist", "partial", "canary", "live");
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var dashboardClients = new Option<int>("--dashboard-clients") { Description = "Instead: CPU per part with N dashboard clients on the live feed against none (Dashboard/DashboardLoad.cs)." };
        var command = new Command("bench", "Measure the station pipeline against a bare decode + inference loop, in one run.") { model, source, frames, threads, rate, mode, json, dashboardClients };
        command.SetAction((parse, cancellationToken) => parse.GetValue(dashboardClients) > 0
            ? Dashboard.DashboardLoad.RunAsync(parse.GetValue(model)!, parse.GetValue(source)!, parse.GetValue(frames), parse.GetValue(threads), parse.GetValue(rate),
                parse.GetValue(dashboardClients), parse.GetValue(json), Console.Out, Console.Error, cancellationToken)
            : RunAsync(parse.GetValue(model)!, parse.GetValue(source)!, parse.GetValue(frames), parse.GetValue(threads),
            parse.GetValue(rate), parse.GetValue(mode)!, parse.GetValue(json), Console.Out, Console.Error, cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(string modelPackage, string source, int frames, int threads, double rate, string mode, bool json, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        if (!NativeCheck.Ready(error))
        {
            return ExitCodes.EnvironmentNotReady;
        }

        if (frames < 200 || threads is < 1 or > 64 || !(rate is >= 0 and <= 1000) || !AutomationModes.TryParse(mode, out var automationMode))
        {
            error.WriteLine("--frames must be at least 200 (the first 100 are warm-up), --threads 1..64, --rate 0..1000 and --mode one of shadow, assist, partial, canary, live");
            return ExitCodes.InvalidInput;
        }

        var (sourceUri, _) = ReplayCommand.ResolveSource(source);
        if (sourceUri is null)
        {
            error.WriteLine($"--source: '{source}' is neither a folder of images nor a video file");
            return ExitCodes.InvalidInput;
        }

        OpenCvInfo.SetLogLevel(2);
        var warmup = 100;
        var bare = RunBare(modelPackage, sourceUri, frames, threads, warmup);
        var pipeline = await RunPipelineAsync(modelPackage, source, sourceUri, frames, threads, rate, automationMode, warmup, cancellationToken);
        var peakRss = new ProcessStatsSampler().Sample().PeakResidentBytes ?? 0;

        var figures = new JsonObject
        {
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}",
            ["model"] = modelPackage,
            ["source"] = sourceUri,
            ["frames"] = frames,
            ["threads"] = threads,
            ["rate"] = rate,
            ["mode"] = automationMode.ToName(),
            ["bare"] = bare.ToJson(),
            ["pipeline"] = pipeline.ToJson(),
            ["decision"] = pipeline.Decision!.ToJson(),
            ["ratio"] = Round(pipeline.Fps / bare.Fps),
            ["peakRssBytes"] = peakRss,
            ["targets"] = new JsonObject
            {
                // A paced camera runs below what the pipeline could do, so the throughput ratio says nothing then.
                ["ratioAtLeast0_90"] = rate > 0 ? null : pipeline.Fps / bare.Fps >= 0.90,
                ["captureToDecisionP99AtMostInferenceP99Plus2ms"] = pipeline.Decision.WithinTarget,
                ["allocatedPerFrameAtMost1KB"] = pipeline.AllocatedPerFrame <= 1024,
                ["noGen2InSteadyState"] = pipeline.Gen2 == 0,
                ["peakRssAtMost150MB"] = peakRss <= 150L * 1024 * 1024,
            },
        };

        if (json)
        {
            output.WriteLine(figures.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            Print(output, bare, pipeline, peakRss, rate, automationMode);
        }

        return pipeline.Frames >= frames ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>Decode + preprocess + Run, nothing else, on this thread.</summary>
    private static RunFigures RunBare(string modelPackage, string sourceUri, int frames, int threads, int warmup)
    {
        using var model = OnnxModel.Load(modelPackage, new InferenceOptions { IntraOpThreads = threads });
        var options = new CaptureOptions { CameraId = "bench", Source = sourceUri, EndOfStream = EndOfStreamAction.Loop };
        var sources = new OpenCvFrameSourceFactory();
        var source = sources.Open(options);
        var frame = Frame.CreateUnpooled(640, 480);
        var decode = new LatencyTracker();
        var preprocess = new LatencyTracker();
        var inference = new LatencyTracker();
        var clock = Stopwatch.StartNew();
        var steady = default(Steady);
        for (var done = 0; done < frames;)
        {
            if (done == warmup)
            {
                steady = Steady.Start();
                decode.Snapshot(reset: true);
                preprocess.Snapshot(reset: true);
                inference.Snapshot(reset: true);
            }

            var started = Stopwatch.GetTimestamp();
            var result = source.Read(frame);
            if (result == FrameReadResult.EndOfStream)
            {
                source.Dispose();
                source = sources.Open(options);
                continue;
            }

            decode.Record(Stopwatch.GetElapsedTime(started));
            if (result != FrameReadResult.Frame)
            {
                continue;
            }

            var prediction = model.Predict(frame);
            preprocess.Record(prediction.PreprocessTime);
            inference.Record(prediction.InferenceTime);
            done++;
        }

        source.Dispose();
        var (elapsed, allocated, gen0, gen1, gen2) = steady.Stop();
        return new RunFigures(frames, (frames - warmup) / elapsed.TotalSeconds, allocated / (double)(frames - warmup), gen0, gen1, gen2,
            new Dictionary<string, LatencySummary>
            {
                ["decode"] = decode.Snapshot(false),
                ["preprocess"] = preprocess.Snapshot(false),
                ["inference"] = inference.Snapshot(false),
            },
            null,
            null);
    }

    /// <summary>The station itself, publishing every result through the outbox to a local broker.</summary>
    private static async Task<RunFigures> RunPipelineAsync(string modelPackage, string source, string sourceUri, int frames, int threads, double rate, AutomationMode mode,
        int warmup, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("edgeinspect-bench-").FullName;
        try
        {
            using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(work, "broker"), cancellationToken);
            var labels = ReplayCommand.FindLabels(source);
            var loaded = StationConfigLoader.CreateDefault().LoadJson(StationConfig(work, modelPackage, sourceUri, threads, rate, mode, labels, broker.Port).ToJsonString(), "the bench station (in memory)");
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

            var (elapsed, allocated, gen0, gen1, gen2) = counter.Steady;
            var stages = counter.FinalStages();
            stages["capture_to_publish"] = capturedToPublished.Snapshot(false);
            var steadyFrames = counter.SteadyFrames;
            return new RunFigures(decided, steadyFrames / elapsed.TotalSeconds, allocated / (double)steadyFrames, gen0, gen1, gen2, stages,
                Interlocked.Read(ref received), counter.Decisions());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// The bench station, in memory. With labels beside the source, a scripted inspector answers audits (and every part
    /// in the modes where a human decides) 200–300 ms after capture, like a person at the line.
    /// </summary>
    private static JsonObject StationConfig(string work, string modelPackage, string sourceUri, int threads, double rate, AutomationMode mode, string? labels, int port) => new()
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

    private static void Print(TextWriter output, RunFigures bare, RunFigures pipeline, long peakRss, double rate, AutomationMode mode)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"pipeline in {mode.ToName()} mode, camera {(rate > 0 ? $"paced at {rate:0.#} fps" : "unpaced")}"));
        output.WriteLine(string.Create(inv, $"{"",-28}{"bare loop",14}{"pipeline",14}"));
        output.WriteLine(string.Create(inv, $"{"frames per second",-28}{bare.Fps,14:0.0}{pipeline.Fps,14:0.0}   ratio {pipeline.Fps / bare.Fps:0.000} (target >= 0.90, unpaced)"));
        output.WriteLine(string.Create(inv, $"{"allocated bytes per frame",-28}{bare.AllocatedPerFrame,14:0}{pipeline.AllocatedPerFrame,14:0}   (target <= 1024)"));
        output.WriteLine(string.Create(inv, $"{"GC gen0/gen1/gen2",-28}{$"{bare.Gen0}/{bare.Gen1}/{bare.Gen2}",14}{$"{pipeline.Gen0}/{pipeline.Gen1}/{pipeline.Gen2}",14}   (target: no gen2)"));
        output.WriteLine(string.Create(inv, $"peak RSS {peakRss / (1024.0 * 1024):0.0} MB (target <= 150 MB); results received over MQTT {pipeline.Received}"));
        output.WriteLine("stage latency (ms)              p50       p99");
        foreach (var (name, summary) in bare.Stages.Select(s => ("bare " + s.Key, s.Value)).Concat(pipeline.Stages.Select(s => ("pipeline " + s.Key, s.Value))))
        {
            output.WriteLine(string.Create(inv, $"  {name,-28}{summary.P50Seconds * 1000,9:0.000} {summary.P99Seconds * 1000,9:0.000}"));
        }

        pipeline.Decision?.Print(output);
    }

    private static double Round(double value) => Math.Round(value, 4);

    private sealed record RunFigures(long Frames, double Fps, double AllocatedPerFrame, int Gen0, int Gen1, int Gen2, IReadOnlyDictionary<string, LatencySummary> Stages, long? Received,
        DecisionFigures? Decision)
    {
        public JsonObject ToJson()
        {
            var stages = new JsonObject();
            foreach (var (name, s) in Stages)
            {
                stages[name] = new JsonObject { ["count"] = s.Count, ["p50Ms"] = Round(s.P50Seconds * 1000), ["p99Ms"] = Round(s.P99Seconds * 1000), ["maxMs"] = Round(s.MaxSeconds * 1000) };
            }

            var json = new JsonObject
            {
                ["frames"] = Frames,
                ["fps"] = Round(Fps),
                ["allocatedBytesPerFrame"] = Round(AllocatedPerFrame),
                ["gc"] = new JsonObject { ["gen0"] = Gen0, ["gen1"] = Gen1, ["gen2"] = Gen2 },
                ["stages"] = stages,
            };
            if (Received is { } received)
            {
                json["resultsReceivedOverMqtt"] = received;
            }

            return json;
        }
    }

    /// <summary>GC and allocation counters from the end of warm-up.</summary>
    private readonly record struct Steady(long Started, long Allocated, int Gen0, int Gen1, int Gen2)
    {
        public static Steady Start() => new(Stopwatch.GetTimestamp(), GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

        public (TimeSpan Elapsed, long Allocated, int Gen0, int Gen1, int Gen2) Stop() =>
            (Stopwatch.GetElapsedTime(Started), GC.GetTotalAllocatedBytes(precise: false) - Allocated,
             GC.CollectionCount(0) - Gen0, GC.CollectionCount(1) - Gen1, GC.CollectionCount(2) - Gen2);
    }

    /// <summary>
    /// Starts the steady-state window after warm-up, records each steady part's decision latency, and stops capture
    /// once enough parts are done.
    /// </summary>
    private sealed class SteadyStateCounter(int frames, int warmup, CancellationTokenSource stop) : IStationSink
    {
        private readonly DecisionLatencies _decisions = new(frames - warmup);
        private int _parts;
        private Steady _start;

        public DecisionFigures Decisions() => _decisions.Figures();

        public (TimeSpan Elapsed, long Allocated, int Gen0, int Gen1, int Gen2) Steady { get; private set; }

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
                _start = Cli.BenchCommand.Steady.Start();
            }
            else if (done == frames)
            {
                Steady = _start.Stop();
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
