using System.Text;
using System.Text.Json;
using CsCheck;
using EdgeInspect.Core;
using EdgeInspect.Core.Messages;
using EdgeInspect.Tests.Fuzzing;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Tests.Pipeline;
using System.Text.Json.Nodes;

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
    private EdgeInspect.Core.Inspection.IInspectorInput Inspector => fixture.Inspector;

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
                    var id = Inspector.InspectorAt(args.GetProperty("position").GetString()!);
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

/// <summary>A real station for command tests, built once per test class: composed and resolved, not run.</summary>
public sealed class CommandStation : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("edgeinspect-commands");
    private StationHarness? _harness;

    public StationRuntime Station => _harness!.Runtime;

    /// <summary>The station's inspector input (its roster is what set-inspector changes).</summary>
    public IInspectorInput Inspector => _harness!.Get<IInspectorInput>();

    public CommandDispatcher Dispatcher { get; private set; } = null!;

    /// <summary>Sends one command as the link would and returns the answer.</summary>
    public CommandResponseBody Send(string verb, string argsJson) =>
        Dispatcher.DispatchAsync(verb, Encoding.UTF8.GetBytes($"{{\"correlationId\":\"c\",\"args\":{argsJson}}}")).AsTask().GetAwaiter().GetResult();

    public Task InitializeAsync()
    {
        // Candidates that fail fast: a cut-short model (sha256 mismatch) and a folder without a manifest. A real
        // candidate load runs the self-test (hundreds of ms), which is the model campaign's business, not this one's.
        var models = Directory.CreateDirectory(_dir.File("models")).FullName;
        var corrupt = Path.Combine(models, "corrupt");
        TestFiles.CopyDirectory(Path.Combine(RepoPaths.Models, "reference"), corrupt);
        var onnx = Path.Combine(corrupt, "model.onnx");
        File.WriteAllBytes(onnx, File.ReadAllBytes(onnx)[..1000]);
        Directory.CreateDirectory(Path.Combine(models, "empty"));

        var config = StationHarness.Config("shadow");
        config["station"]!["deviceId"] = "fuzz-1";
        config["capture"] = new JsonObject { ["cameraId"] = "cam0", ["source"] = "folder:" + Path.Combine(RepoPaths.PhoneSet("holdout"), "frames"), ["endOfStream"] = "stop", ["mode"] = "triggered" };
        config["model"]!["modelsFolder"] = models;
        config["inspector"] = JsonNode.Parse("""{ "backend": "scripted", "positions": [{ "name": "left" }, { "name": "right", "inspectorId": "bob" }], "scripted": { "position": "left", "inspectorId": "ana" } }""");
        config["pipeline"]!["labels"] = Path.Combine(RepoPaths.PhoneSet("holdout"), "labels.csv");
        _harness = StationHarness.Create(config);
        Dispatcher = new CommandDispatcher();
        StationCommands.Register(Dispatcher, _harness.Get<StationControl>(), _harness.Get<StationConfig>().Section<ModelSection>("model"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }

        _dir.Dispose();
    }
}
