using System.Text;
using System.Text.Json;
using CsCheck;
using EdgeInspect.Core;
using EdgeInspect.Core.Messages;
using EdgeInspect.Tests.Fuzzing;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Configuration;
using EdgeInspect.Worker.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Tests.Fuzzing;

/// <summary>
/// Fuzzes the station's own verbs (<see cref="StationCommands"/>) on a real station: the reference model, a scripted
/// inspector with two positions, a SQLite outbox; the pipeline is built but not run, so every command meets the state
/// a running station has between parts. Property: every command gets one well-formed answer; a handler never fails
/// with an unexpected exception ("handler failed: ..."); an accepted set-inspector puts a readable id at the position.
/// </summary>
[Trait("Category", "Fuzz")]
[Collection(FuzzRun.Collection)]
public sealed class StationCommandsFuzzTests(CommandStation fixture) : IClassFixture<CommandStation>
{
    private StationRuntime Station => fixture.Station;

    private CommandDispatcher Dispatcher => fixture.Dispatcher;

    private static readonly (string Verb, string Args)[] Seeds =
    [
        ("set-mode", """{"mode":"assist","by":"ana","reason":"trial"}"""),
        ("set-mode", """{"mode":"shadow"}"""),
        ("load-candidate", """{"package":"corrupt","by":"ana"}"""),
        ("load-candidate", """{"package":"empty"}"""),
        ("promote", """{"by":"ana"}"""),
        ("rollback", "{}"),
        ("set-inspector", """{"position":"left","inspectorId":"badge-0042"}"""),
        ("set-inspector", """{"position":"right","inspectorId":"carol"}"""),
        ("set-threshold", """{"detector":"Input","threshold":0.2}"""),
        ("set-threshold", """{"detector":"cam0.brightness","threshold":0.3}"""),
        ("trigger", """{"count":1}"""),
        ("snapshot", "{}"),
    ];

    /// <summary>Values these verbs meet in the field, and their near misses.</summary>
    private static readonly string[] ArgValues =
    [
        "\"left\"", "\"right\"", "\"LEFT\"", "\"left \"", "\"centre\"", "\"ana\"", "\"\"", "\" \"", "\"\\u200b\"", "\"a\\nb\"",
        "\"live\"", "\"canary\"", "\"partial\"", "\"Shadow\"", "\"turbo\"",
        "\"corrupt\"", "\"empty\"", "\"missing\"", "\"..\"", "\".\"", "\"../models/corrupt\"", "\"/etc\"", "\"corrupt/\"", "\"a\\\\b\"", "\"~\"",
        "\"Input\"", "\"Output\"", "\"Concept\"", "\"0\"", "\"1\"", "\"99\"", "\"-1\"", "\"cam0.brightness\"", "\"cam0.*\"",
        "0", "0.0", "1e-300", "1000", "1000.5", "-0.0", "1", "100", "101", "2147483648",
    ];

    [Fact(Timeout = 300_000)]
    public async Task Every_Station_Verb_Answers_Any_Args_Without_An_Unexpected_Exception()
    {
        long accepted = 0, rejected = 0;
        var gen = Gen.Int[0, Seeds.Length - 1].SelectMany(i =>
        {
            var (verb, args) = Seeds[i];
            return JsonMutator.Mutants([args], ArgValues).Select(mutant => (Verb: verb, Body: $"{{\"correlationId\":\"c-{i}\",\"args\":{mutant}}}"));
        });

        var total = await FuzzRun.CheckAsync(
            gen,
            c =>
            {
                var response = Dispatcher.DispatchAsync(c.Verb, Encoding.UTF8.GetBytes(c.Body)).AsTask().GetAwaiter().GetResult();
                Assert.Equal(c.Verb, response.Verb);
                Assert.False(response.Reason?.StartsWith("handler failed", StringComparison.Ordinal) ?? false, $"a handler failed unexpectedly: {response.Reason}");
                if (!response.Accepted)
                {
                    Assert.False(string.IsNullOrWhiteSpace(response.Reason), "a rejection without a reason");
                    Interlocked.Increment(ref rejected);
                    return;
                }

                if (c.Verb == "set-inspector")
                {
                    using var body = JsonDocument.Parse(c.Body);
                    var args = body.RootElement.GetProperty("args");
                    var id = Station.Setup.Inspector.InspectorAt(args.GetProperty("position").GetString()!);
                    Assert.True(Names.IsValid(id), $"set-inspector accepted and put {JsonMutator.Quote(id)} at a position");
                }

                _ = Envelope.Write(new EnvelopeHeader(Schemas.CommandResponse, "fuzz-1", 1, 1, DateTimeOffset.UtcNow), response, MessagesJsonContext.Default.CommandResponseBody);
                Interlocked.Increment(ref accepted);
            },
            // One station: commands run one after another, as the link's command loop runs them.
            threads: 1,
            print: c => $"{c.Verb} {c.Body}");

        FuzzRun.Reached("accepted", accepted, total, 0.05);
        FuzzRun.Reached("rejected", rejected, total, 0.05);
    }
}

/// <summary>A real station for command tests, built once per test class: built, not run.</summary>
public sealed class CommandStation : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("edgeinspect-commands");

    public StationRuntime Station { get; private set; } = null!;

    public CommandDispatcher Dispatcher { get; private set; } = null!;

    /// <summary>Sends one command as the link would and returns the answer.</summary>
    public CommandResponseBody Send(string verb, string argsJson) =>
        Dispatcher.DispatchAsync(verb, Encoding.UTF8.GetBytes($"{{\"correlationId\":\"c\",\"args\":{argsJson}}}")).AsTask().GetAwaiter().GetResult();

    public async Task InitializeAsync()
    {
        // Candidates that fail fast: a cut-short model (sha256 mismatch) and a folder without a manifest. A real
        // candidate load runs the self-test (hundreds of ms), which is the model campaign's business, not this one's.
        var models = Directory.CreateDirectory(_dir.File("models")).FullName;
        var corrupt = Path.Combine(models, "corrupt");
        TestFiles.CopyDirectory(Path.Combine(RepoPaths.Models, "reference"), corrupt);
        var onnx = Path.Combine(corrupt, "model.onnx");
        File.WriteAllBytes(onnx, File.ReadAllBytes(onnx)[..1000]);
        Directory.CreateDirectory(Path.Combine(models, "empty"));

        var json = $$"""
            {
              "station": { "deviceId": "fuzz-1", "site": "test", "area": "a1", "line": "l1", "name": "fuzz", "configRevision": "fuzz-1" },
              "automation": { "mode": "shadow" },
              "capture": { "cameraId": "cam0", "source": "folder:{{Path.Combine(RepoPaths.PhoneSet("holdout"), "frames")}}", "endOfStream": "stop", "mode": "triggered" },
              "model": { "package": "{{Path.Combine(RepoPaths.Models, "reference")}}", "modelsFolder": "{{models}}" },
              "link": { "host": "127.0.0.1", "port": 1, "outboxPath": "{{_dir.File("outbox.db")}}" },
              "inspector": { "backend": "scripted", "positions": [{ "name": "left" }, { "name": "right", "inspectorId": "bob" }], "scripted": { "position": "left", "inspectorId": "ana" } },
              "samples": { "folder": "{{_dir.File("samples")}}", "randomFraction": 0.0, "saveDisagreements": false, "saveUncertain": false },
              "pipeline": { "labels": "{{Path.Combine(RepoPaths.PhoneSet("holdout"), "labels.csv")}}" }
            }
            """;
        var file = _dir.File("station.json");
        await File.WriteAllTextAsync(file, json);
        var config = StationConfigLoader.CreateDefault().LoadFile(file);
        Assert.True(config.IsValid, string.Join(Environment.NewLine, config.Errors));
        Station = StationRuntime.Create(config.Config!, NullLoggerFactory.Instance, TimeProvider.System);
        Dispatcher = new CommandDispatcher();
        StationCommands.Register(Dispatcher, Station, config.Config!.Section<ModelSection>("model"));
    }

    public async Task DisposeAsync()
    {
        if (Station is not null)
        {
            await Station.DisposeAsync();
        }

        _dir.Dispose();
    }
}
