using CsCheck;
using EdgeInspect.Core;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Tests.Fuzzing;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Configuration;
using LinkOptions = EdgeInspect.Worker.Link.LinkOptions;

namespace EdgeInspect.Worker.Tests.Fuzzing;

/// <summary>
/// Fuzzes <see cref="StationConfigLoader.LoadFile"/> with the repository's station files mutated field by field
/// (and as raw bytes). Property: it never throws; a refusal lists errors that each name a field, the problem and the
/// expected form; an accepted config holds only names that show something and values the station can use as they are
/// (topics build, the source parses, the HMAC key decodes).
/// </summary>
[Trait("Category", "Fuzz")]
[Collection(FuzzRun.Collection)]
public sealed class StationConfigFuzzTests : IDisposable
{
    private readonly TempDirectory _dir = new("edgeinspect-config-fuzz");

    /// <summary>A station that sets every name-like field, so each can be mutated.</summary>
    private const string NamesEverywhere = """
        {
          "station": { "deviceId": "dev-1", "site": "plant", "area": "a1", "line": "l1", "name": "st3", "configRevision": "r-1" },
          "automation": { "mode": "canary", "canaryFraction": 0.25, "verdictTimeout": "00:00:05" },
          "promotion": { "fallbackToShadow": { "enabled": true, "alerts": [ "cam0.brightness*", "audit-disagreement" ] } },
          "capture": { "cameraId": "cam0", "source": "folder:frames", "endOfStream": "stop", "width": 640, "height": 480 },
          "model": { "package": "models/reference", "modelsFolder": "models" },
          "link": { "host": "127.0.0.1", "port": 1883, "prefix": "edgeinspect", "outboxPath": "var/outbox.db", "commandHmacKeyHex": "00112233445566778899aabbccddeeff", "username": "u", "password": "p" },
          "inspector": {
            "backend": "scripted", "chip": "gpiochip0", "keyboardPosition": "left",
            "positions": [ { "name": "left", "inspectorId": "ana", "pass": { "chip": "gpiochip1", "line": 5 } }, { "name": "right", "inspectorId": "" } ],
            "scripted": { "position": "left", "inspectorId": "bot", "errorRate": 0.02, "responseDelay": "00:00:00.100", "seed": 7 }
          },
          "pipeline": { "poolFrames": 8, "queueFrames": 4, "metricsInterval": "00:00:01", "labels": "labels.csv" }
        }
        """;

    private static readonly string[] Seeds =
    [
        File.ReadAllText(Path.Combine(RepoPaths.Root, "firmware-config", "stations", "demo.json")),
        File.ReadAllText(Path.Combine(RepoPaths.Root, "firmware-config", "stations", "line1-station3.json")),
        NamesEverywhere,
    ];

    /// <summary>The station file's vocabulary: modes, TimeSpans, enums, sources and names in their odd forms.</summary>
    private static readonly string[] ConfigValues =
    [
        "\"shadow\"", "\"assist\"", "\"partial\"", "\"canary\"", "\"live\"", "\"autopilot\"", "\"Live\"", "\"scripted\"", "\"gpiod\"", "\"keyboard\"", "\"none\"",
        "\"freeRun\"", "\"triggered\"", "\"stop\"", "\"loop\"", "\"reconnect\"", "\"pullUp\"", "\"hold\"", "\"reject\"", "\"1\"", "\"-1\"",
        "\"00:00:05\"", "\"00:00:00.250\"", "\"-00:00:05\"", "\"5\"", "\"00:00:00\"", "\"24:00:00\"", "\"10675199.02:48:05.4775807\"", "\"1.00:00:00\"",
        "\"folder:frames\"", "\"file:line.avi\"", "\"/dev/video0\"", "\"rtsp://127.0.0.1/x\"", "\"v4l2:0\"", "\"gst:videotestsrc ! appsink\"", "\"folder:\"", "\"ftp:x\"",
        "\"left\"", "\"right\"", "\"ana\"", "\" \"", "\"\\t\"", "\"a\\u0000\"", "\"\\u200b\"", "\"l/1\"", "\"l+1\"", "\"#\"", "\"" + new string('n', 65) + "\"",
        "\"00112233445566778899aabbccddeeff\"", "\"0011\"", "\"zz112233445566778899aabbccddeeff\"", "\"00112233445566778899aabbccddeef\"",
        "0.02", "1.5", "-0.1", "65535", "65536", "1883", "0", "24", "1024", "1025", "2147483647", "\"4294967296\"", "\"2GB\"", "[\"drift*\"]", "[\"\"]", "[\" \"]",
        "{ \"name\": \"left\" }", "{ \"line\": 17 }", "{ \"line\": -1 }", "[{ \"name\": \"left\" }, { \"name\": \"left\" }]",
    ];

    [Fact(Timeout = 300_000)]
    public async Task Loading_A_Station_File_Never_Throws_And_Lists_Every_Problem_Or_Gives_A_Usable_Config()
    {
        long valid = 0, invalid = 0;
        var total = await FuzzRun.CheckAsync(
            Gen.Frequency<byte[]>(
                (14, JsonMutator.MutantBytes(Seeds, ConfigValues)),
                (1, Gen.Byte.Array[0, 200])),
            bytes =>
            {
                var file = _dir.File($"station-{Environment.CurrentManagedThreadId}.json");
                File.WriteAllBytes(file, bytes);
                var result = StationConfigLoader.CreateDefault().LoadFile(file);
                if (result.IsValid)
                {
                    Usable(result.Config);
                    Interlocked.Increment(ref valid);
                    return;
                }

                Assert.Null(result.Config);
                Assert.NotEmpty(result.Errors);
                foreach (var error in result.Errors)
                {
                    Assert.False(string.IsNullOrWhiteSpace(error.Path), $"an error without a field: {error}");
                    Assert.False(string.IsNullOrWhiteSpace(error.Problem), $"an error without a problem: {error}");
                    Assert.False(string.IsNullOrWhiteSpace(error.Expected), $"an error without the expected form: {error}");
                }

                Interlocked.Increment(ref invalid);
            },
            ci: 10_000,
            print: b => JsonMutator.Quote(System.Text.Encoding.UTF8.GetString(b)));

        FuzzRun.Reached("valid", valid, total, 0.05);
        FuzzRun.Reached("refused", invalid, total, 0.05);
    }

    /// <summary>What the station assumes of a config that passed validation.</summary>
    internal static void Usable(StationConfig config)
    {
        var station = config.Options.Station;
        foreach (var (field, value) in new[] { ("deviceId", station.DeviceId), ("site", station.Site), ("area", station.Area), ("line", station.Line), ("name", station.Name), ("configRevision", station.ConfigRevision) })
        {
            Assert.True(Names.IsValid(value), $"station:{field} {JsonMutator.Quote(value)} was accepted");
        }

        foreach (var alert in config.Options.Promotion.FallbackToShadow.Alerts)
        {
            Assert.True(Names.IsValid(alert), $"promotion alert {JsonMutator.Quote(alert)} was accepted");
        }

        var capture = config.Section<CaptureOptions>("capture");
        Assert.True(Names.IsValid(capture.CameraId), $"capture:cameraId {JsonMutator.Quote(capture.CameraId)} was accepted");
        _ = capture.ParsedSource();

        var link = config.Section<LinkOptions>("link");
        _ = link.Topics(config.Options.Station);
        _ = link.CommandHmacKey();

        var inspector = config.Section<InspectorOptions>("inspector");
        Assert.True(Names.IsValid(inspector.Chip), $"inspector:chip {JsonMutator.Quote(inspector.Chip)} was accepted");
        foreach (var position in inspector.Positions)
        {
            Assert.True(Names.IsValid(position.Name), $"position name {JsonMutator.Quote(position.Name)} was accepted");
            Assert.True(position.InspectorId.Length == 0 || Names.IsValid(position.InspectorId), $"inspectorId {JsonMutator.Quote(position.InspectorId)} was accepted");
        }

        Assert.True(Names.IsValid(inspector.Scripted.InspectorId), $"scripted inspectorId {JsonMutator.Quote(inspector.Scripted.InspectorId)} was accepted");
        Assert.True(inspector.Scripted.Position.Length == 0 || Names.IsValid(inspector.Scripted.Position), $"scripted position {JsonMutator.Quote(inspector.Scripted.Position)} was accepted");
        foreach (var (path, line) in inspector.AllLines("inspector"))
        {
            Assert.True(line.Chip.Length == 0 || Names.IsValid(line.Chip), $"{path}:chip {JsonMutator.Quote(line.Chip)} was accepted");
        }
    }

    public void Dispose() => _dir.Dispose();
}
