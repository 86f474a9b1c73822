using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.Configuration;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Pipeline;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Tests.Pipeline;

/// <summary>
/// One real broker, the reference model and a video of the repository's sample frames for the whole class:
/// written once, reused by every test. Also a models folder holding the reference packages and a corrupt one.
/// </summary>
public sealed class StationFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("edgeinspect-e2e");

    public MosquittoBroker Broker { get; private set; } = null!;

    public string Video { get; private set; } = "";

    public string Labels { get; private set; } = "";

    public string ModelsFolder => Path.Combine(_dir.Path, "models");

    public int FrameCount { get; private set; }

    public string Work(string name) => Directory.CreateDirectory(Path.Combine(_dir.Path, name)).FullName;

    public async Task InitializeAsync()
    {
        Broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(_dir.Path, "broker"));
        var holdout = RepoPaths.PhoneSet("holdout");
        var files = Directory.GetFiles(Path.Combine(holdout, "frames"), "*.jpg").Order(StringComparer.Ordinal).ToArray();
        Video = _dir.File("line.avi");
        using (var writer = CvVideoWriter.Open(Video, "MJPG", 10, 640, 480))
        {
            foreach (var file in files)
            {
                writer.Write(CvImage.Read(file));
            }
        }

        FrameCount = files.Length;
        Labels = Path.Combine(holdout, "labels.csv");

        foreach (var package in new[] { "reference", "reference-score" })
        {
            TestFiles.CopyDirectory(Path.Combine(RepoPaths.Models, package), Path.Combine(ModelsFolder, package));
        }

        // A candidate whose model file was cut short: the package must be refused while the active model keeps serving.
        var corrupt = Path.Combine(ModelsFolder, "corrupt");
        TestFiles.CopyDirectory(Path.Combine(RepoPaths.Models, "reference"), corrupt);
        var onnx = Path.Combine(corrupt, "model.onnx");
        var bytes = File.ReadAllBytes(onnx);
        File.WriteAllBytes(onnx, bytes[..(bytes.Length / 3)]);
    }

    public Task DisposeAsync()
    {
        Broker.Dispose();
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The station end to end: video → capture → reference model → scripted inspector → decision → outbox → a real
/// mosquitto → a subscriber. Every assertion is on what the subscriber received.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StationEndToEndTests(StationFixture fixture) : IClassFixture<StationFixture>
{
    private static readonly string[] EnvelopeFields = ["partId", "camera", "frame", "model", "mode", "configRevision", "modelOutput", "outcome", "station", "deviceId"];

    [Fact]
    public async Task In_Shadow_Every_Part_Gives_One_Complete_Result_Decided_By_The_Inspector()
    {
        var run = await RunStationAsync("shadow", "shadow");

        Assert.Equal(fixture.FrameCount, run.Results.Count);
        Assert.Equal(Enumerable.Range(1, fixture.FrameCount).Select(i => (long)i), run.Results.Select(r => FrameSeq(r)).Order());
        foreach (var result in run.Results)
        {
            foreach (var field in EnvelopeFields)
            {
                Assert.True(result.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null, $"result lacks {field}: {result}");
            }

            Assert.Equal("shadow", result.GetProperty("mode").GetString());
            Assert.Equal(64, result.GetProperty("model").GetProperty("sha256").GetString()!.Length);
            var human = result.GetProperty("human");
            var outcome = result.GetProperty("outcome");
            Assert.Equal("human", outcome.GetProperty("decidedBy").GetString());
            Assert.Equal(human.GetProperty("verdict").GetString(), outcome.GetProperty("decision").GetString());
        }

        // A scripted inspector with a 3% error rate disagrees with a near-perfect model on a few parts: the join is real.
        var disagreements = run.Results.Where(r => r.GetProperty("outcome").GetProperty("agreement").GetBoolean() == false).ToList();
        Assert.InRange(disagreements.Count, 1, fixture.FrameCount / 5);

        // Disagreements are saved for retraining: a JPEG plus a JSON sidecar holding the envelope. A frame is held for a
        // pending verdict only while the pool is more than half free (memory stays bounded); a skip is counted instead.
        var samples = Path.Combine(fixture.Work("shadow"), "samples");
        var saved = run.Results.Where(r => r.TryGetProperty("samplePath", out var path) && path.ValueKind == JsonValueKind.String).ToList();
        Assert.NotEmpty(saved);
        Assert.All(saved, r => Assert.False(r.GetProperty("outcome").GetProperty("agreement").GetBoolean()));
        foreach (var result in saved)
        {
            var jpeg = Path.Combine(samples, result.GetProperty("samplePath").GetString()!);
            Assert.True(File.Exists(jpeg), jpeg);
            Assert.Equal(new byte[] { 0xFF, 0xD8 }, File.ReadAllBytes(jpeg)[..2]);
            var sidecar = Directory.GetFiles(Path.GetDirectoryName(jpeg)!, Path.GetFileNameWithoutExtension(jpeg) + "*.json").Single();
            Assert.Contains(result.GetProperty("partId").GetString()!, File.ReadAllText(sidecar));
        }

        Assert.Equal(saved.Count, Directory.GetFiles(samples, "*.jpg", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task In_Triggered_Mode_Each_Software_Trigger_Gives_One_Part()
    {
        var run = await RunStationAsync("triggered", "live", loopUntilParts: int.MaxValue, triggered: true, duringRun: async (station, publish, results, stopNow) =>
        {
            await Task.Delay(500);
            Assert.Equal(0, results());
            await publish("trigger", """{"count":7}""");
            await WaitForAsync(() => results() >= 7);
            await Task.Delay(300);
            stopNow();
        });

        Assert.Equal(7, run.Results.Count);
        Assert.All(run.Results, r => Assert.Equal("triggered", r.GetProperty("frame").GetProperty("trigger").GetString()));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), run.Results.Select(r => r.GetProperty("frame").GetProperty("triggerId").GetInt64()).Order());
    }

    [Fact]
    public async Task In_Live_Final_Decisions_Equal_The_Models()
    {
        var run = await RunStationAsync("live", "live");

        Assert.Equal(fixture.FrameCount, run.Results.Count);
        foreach (var result in run.Results)
        {
            var outcome = result.GetProperty("outcome");
            Assert.Equal("model", outcome.GetProperty("decidedBy").GetString());
            Assert.Equal(result.GetProperty("modelOutput").GetProperty("verdict").GetString(), outcome.GetProperty("decision").GetString());
        }
    }

    [Fact]
    public async Task Canary_Gives_The_Model_The_Configured_Fraction_Of_1000_Parts()
    {
        var run = await RunStationAsync("canary", "canary", canaryFraction: 0.25, loopUntilParts: 1000);

        Assert.True(run.Results.Count >= 1000);
        var byModel = run.Results.Count(r => r.GetProperty("outcome").GetProperty("decidedBy").GetString() == "model");
        var canary = run.Results.Count(r => r.GetProperty("outcome").GetProperty("canary").GetBoolean());
        Assert.Equal(canary, byModel);
        Assert.InRange((double)byModel / run.Results.Count, 0.23, 0.27);
        // Canary parts are still checked by the inspector.
        Assert.All(run.Results.Where(r => r.GetProperty("outcome").GetProperty("canary").GetBoolean()), r => Assert.Equal(JsonValueKind.Object, r.GetProperty("human").ValueKind));
    }

    [Fact]
    public async Task Promote_And_Rollback_Mid_Stream_Lose_And_Repeat_No_Part_And_A_Corrupt_Candidate_Is_Refused()
    {
        var responses = new ConcurrentQueue<JsonElement>();
        var run = await RunStationAsync("bluegreen", "shadow", loopUntilParts: int.MaxValue, duringRun: async (station, publish, results, stopNow) =>
        {
            await WaitForAsync(() => results() >= 60);
            await publish("load-candidate", """{"package":"corrupt","by":"test"}""");
            await publish("load-candidate", """{"package":"reference-score","by":"test"}""");
            await WaitForAsync(() => station.Setup.Models.Candidate is not null);
            var at = results();
            await WaitForAsync(() => results() >= at + 60);
            await publish("promote", """{"by":"test"}""");
            at = results();
            await WaitForAsync(() => results() >= at + 60);
            await publish("rollback", """{"by":"test"}""");
            at = results();
            await WaitForAsync(() => results() >= at + 60);
            stopNow();
        }, responses: responses);

        // Every frame seq appears exactly once, across the swaps.
        var seqs = run.Results.Select(FrameSeq).ToList();
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs.Order());

        // In frame order the active model goes reference -> reference-score (promoted) -> reference (rolled back).
        var models = run.Results.OrderBy(FrameSeq).Select(r => r.GetProperty("model").GetProperty("name").GetString()!).ToList();
        var runs = models.Zip(models.Skip(1)).Count(p => p.First != p.Second);
        Assert.Equal(2, runs);
        Assert.Equal(models[0], models[^1]);
        Assert.NotEqual(models[0], models.First(m => m != models[0]));
        Assert.Contains(run.Results, r => r.TryGetProperty("candidate", out var c) && c.ValueKind == JsonValueKind.Object);

        var answers = responses.ToList();
        var corrupt = answers.Single(a => a.GetProperty("verb").GetString() == "load-candidate" && !a.GetProperty("accepted").GetBoolean());
        Assert.Contains("corrupt", corrupt.GetProperty("reason").GetString());
        Assert.Contains("active model keeps serving", corrupt.GetProperty("reason").GetString());
        Assert.All(answers.Where(a => a.GetProperty("verb").GetString() is "promote" or "rollback"), a => Assert.True(a.GetProperty("accepted").GetBoolean()));
    }

    [Fact]
    public async Task Two_Inspectors_Judging_The_Same_Parts_Give_Inter_Inspector_Agreement_And_The_First_Verdict_Decides()
    {
        using var inspectors = new TwoScriptedInspectors(TimeProvider.System);
        StationRuntime? station = null;
        var run = await RunStationAsync("two-inspectors", "shadow", positions: ["left", "right"], inspectorInput: inspectors, onStation: s => station = s);

        Assert.Equal(fixture.FrameCount, run.Results.Count);
        // Each part is decided by whichever inspector answered first, and only once.
        Assert.All(run.Results, r => Assert.Contains(r.GetProperty("human").GetProperty("inspectorId").GetString(), new[] { "ana", "bob" }));
        var inter = Assert.Single(station!.Pipeline.AgreementSnapshot().InterInspector);
        Assert.Equal(("ana", "bob"), Order(inter.InspectorA, inter.InspectorB));
        // Both judged (nearly) every part; they disagree where one of them erred (3% and 8% error rates).
        Assert.InRange(inter.Figures.Parts, fixture.FrameCount - 5, fixture.FrameCount);
        Assert.InRange(inter.Figures.Agreement!.Value, 0.75, 0.995);
    }

    private static (string, string) Order(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);

    /// <summary>Two scripted inspectors at two positions, each shown every part; their presses arrive on one channel.</summary>
    private sealed class TwoScriptedInspectors : IInspectorInput, IPartPresenter
    {
        private readonly InspectorRoster _roster = new([("left", "ana"), ("right", "bob")]);
        private readonly ScriptedInspector _ana;
        private readonly ScriptedInspector _bob;
        private readonly System.Threading.Channels.Channel<EdgeInspect.Core.Inspection.InspectorPress> _presses =
            System.Threading.Channels.Channel.CreateUnbounded<EdgeInspect.Core.Inspection.InspectorPress>();

        public TwoScriptedInspectors(TimeProvider time)
        {
            _ana = new ScriptedInspector(new ScriptedInspectorOptions { Position = "left", InspectorId = "ana", ErrorRate = 0.03, ResponseDelay = TimeSpan.FromMilliseconds(10), ResponseJitter = TimeSpan.FromMilliseconds(5), Seed = 1 }, "left", _roster, time);
            _bob = new ScriptedInspector(new ScriptedInspectorOptions { Position = "right", InspectorId = "bob", ErrorRate = 0.08, ResponseDelay = TimeSpan.FromMilliseconds(12), ResponseJitter = TimeSpan.FromMilliseconds(5), Seed = 2 }, "right", _roster, time);
        }

        public string BackendName => "two-scripted";

        public System.Threading.Channels.ChannelReader<EdgeInspect.Core.Inspection.InspectorPress> Presses => _presses.Reader;

        public void Start(CancellationToken stoppingToken)
        {
            _ana.Start(stoppingToken);
            _bob.Start(stoppingToken);
            var pumps = new[] { _ana, _bob }.Select(inspector => Task.Run(async () =>
            {
                await foreach (var press in inspector.Presses.ReadAllAsync(CancellationToken.None))
                {
                    await _presses.Writer.WriteAsync(press);
                }
            })).ToArray();
            _ = Task.WhenAll(pumps).ContinueWith(_ => _presses.Writer.TryComplete(), TaskScheduler.Default);
        }

        public void Present(string partId, EdgeInspect.Core.Inspection.Verdict groundTruth, long monotonicTimestamp)
        {
            _ana.Present(partId, groundTruth, monotonicTimestamp);
            _bob.Present(partId, groundTruth, monotonicTimestamp);
        }

        public bool TrySetInspector(string position, string inspectorId) => _roster.TrySet(position, inspectorId);

        public string InspectorAt(string position) => _roster.At(position);

        public void Dispose()
        {
            _ana.Dispose();
            _bob.Dispose();
        }
    }

    private static long FrameSeq(JsonElement result) => result.GetProperty("frame").GetProperty("seq").GetInt64();

    private sealed record StationRun(List<JsonElement> Results);

    private async Task<StationRun> RunStationAsync(
        string name,
        string mode,
        double canaryFraction = 0.1,
        int? loopUntilParts = null,
        Func<StationRuntime, Func<string, string, Task>, Func<int>, Action, Task>? duringRun = null,
        ConcurrentQueue<JsonElement>? responses = null,
        string[]? positions = null,
        IInspectorInput? inspectorInput = null,
        Action<StationRuntime>? onStation = null,
        bool triggered = false)
    {
        var work = fixture.Work(name);
        var stationName = "e2e-" + name;
        var json = $$"""
            {
              "station": { "deviceId": "dev-{{name}}", "site": "test", "area": "a1", "line": "l1", "name": "{{stationName}}", "configRevision": "e2e-1" },
              "automation": { "mode": "{{mode}}", "canaryFraction": {{canaryFraction.ToString(CultureInfo.InvariantCulture)}}, "auditFraction": 0.02, "verdictTimeout": "00:00:05" },
              "capture": { "cameraId": "cam-e2e", "source": "file:{{fixture.Video}}", "endOfStream": "{{(loopUntilParts is null ? "stop" : "loop")}}", "mode": "{{(triggered ? "triggered" : "freeRun")}}" },
              "model": { "package": "{{Path.Combine(fixture.ModelsFolder, "reference")}}", "modelsFolder": "{{fixture.ModelsFolder}}" },
              "link": { "host": "127.0.0.1", "port": {{fixture.Broker.Port}} },
              "outbox": { "path": "{{Path.Combine(work, "outbox.db")}}" },
              "inspector": { "backend": "scripted", "positions": [{{string.Join(",", (positions ?? []).Select(p => $"{{\"name\": \"{p}\"}}"))}}], "scripted": { "position": "left", "inspectorId": "ana", "errorRate": 0.03, "responseDelay": "00:00:00.010", "responseJitter": "00:00:00.005", "seed": 11 } },
              "samples": { "folder": "{{Path.Combine(work, "samples")}}", "randomFraction": 0.0, "saveDisagreements": true, "saveUncertain": false },
              "pipeline": { "labels": "{{fixture.Labels}}", "metricsInterval": "00:00:01" }
            }
            """;
        var file = Path.Combine(work, "station.json");
        await File.WriteAllTextAsync(file, json);
        var config = StationConfigLoader.CreateDefault().LoadFile(file);
        Assert.True(config.IsValid, string.Join(Environment.NewLine, config.Errors));

        var results = new ConcurrentDictionary<(long Epoch, long Seq), JsonElement>();
        var baseTopic = $"edgeinspect/test/a1/l1/{stationName}";
        await using var subscriber = new MqttConnection(new MqttConnectionOptions { Host = "127.0.0.1", Port = fixture.Broker.Port, ClientId = "e2e-sub-" + name });
        subscriber.MessageReceived += message =>
        {
            using var document = JsonDocument.Parse(message.Payload);
            var root = document.RootElement;
            if (message.Topic == baseTopic + "/result")
            {
                results.TryAdd((root.GetProperty("epoch").GetInt64(), root.GetProperty("seq").GetInt64()), root.GetProperty("body").Clone());
            }
            else if (message.Topic == baseTopic + "/cmd/response")
            {
                responses?.Enqueue(root.GetProperty("body").Clone());
            }
        };
        subscriber.Subscribe(baseTopic + "/#");
        subscriber.Start();
        Assert.True(await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(10)));

        await using var publisher = new MqttConnection(new MqttConnectionOptions { Host = "127.0.0.1", Port = fixture.Broker.Port, ClientId = "e2e-pub-" + name });
        publisher.Start();
        Assert.True(await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(10)));

        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var counter = new PartCounter(loopUntilParts, stop);
        await using var station = StationRuntime.Create(config.Config!, loggers, TimeProvider.System, counter, inspectorInput);
        inspectorInput?.Start(stop.Token);
        onStation?.Invoke(station);
        var running = station.RunAsync(stop.Token);
        var correlation = 0;
        if (duringRun is not null)
        {
            await duringRun(
                station,
                (verb, args) =>
                {
                    var body = $$"""{"correlationId":"c{{Interlocked.Increment(ref correlation)}}","args":{{args}}}""";
                    return publisher.PublishAsync($"{baseTopic}/cmd/{verb}", Encoding.UTF8.GetBytes(body)).ContinueWith(_ => Task.Delay(300), TaskScheduler.Default).Unwrap();
                },
                () => counter.Parts,
                () => stop.Cancel());
        }

        await running;
        var decided = station.Pipeline.Counters.Decided;
        await WaitForAsync(() => results.Count >= decided, TimeSpan.FromSeconds(20));
        Assert.Equal(decided, results.Count);
        return new StationRun([.. results.OrderBy(r => r.Key.Seq).Select(r => r.Value)]);
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the station");
            await Task.Delay(20);
        }
    }

    /// <summary>Counts finished parts and stops a looping source once enough have passed.</summary>
    private sealed class PartCounter(int? stopAfter, CancellationTokenSource stop) : IStationSink
    {
        private int _parts;

        public int Parts => Volatile.Read(ref _parts);

        public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _parts) == stopAfter)
            {
                stop.Cancel();
            }

            return ValueTask.CompletedTask;
        }
    }
}
