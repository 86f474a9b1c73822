using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.Pipeline.Control;
using Xunit.Abstractions;

namespace EdgeInspect.Worker.Tests.Reliability;

/// <summary>
/// Malformed models (issue 19): mutants of the reference model, each loaded through `model verify` in a child process
/// (the check the station runs before it loads a candidate), and a handful sent to a running station on
/// cmd/load-candidate. CI runs 60 mutants; `EDGEINSPECT_MODEL_MUTANTS=1000` (scripts/reliability.sh models) runs the campaign.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Reliability")]
public sealed class MalformedModelTests(ITestOutputHelper output)
{
    private static readonly string Reference = Path.Combine(RepoPaths.Models, "reference");

    [Fact]
    public async Task Every_Mutant_Is_Refused_With_A_Reason_Or_Crashes_Only_Its_Check_Process_And_A_Passing_One_Loads()
    {
        var count = ReliabilityFigures.Size("EDGEINSPECT_MODEL_MUTANTS", 60);
        var firstSeed = ReliabilityFigures.Size("EDGEINSPECT_MODEL_SEED", 1);
        using var dir = new TempDirectory("ei-mutants");
        var original = await File.ReadAllBytesAsync(Path.Combine(Reference, "model.onnx"));
        var check = new ModelCheckProcess(TimeSpan.FromSeconds(30));
        var outcomes = new ConcurrentBag<(OnnxMutant Mutant, ModelCheckResult Result, string Folder)>();
        var clock = Stopwatch.StartNew();

        // Two children at a time: the machine has two cores, and each child is mostly .NET start-up.
        await Parallel.ForEachAsync(Enumerable.Range(firstSeed, count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (seed, _) =>
        {
            var mutant = OnnxMutator.Mutate(original, seed);
            var folder = OnnxMutator.WritePackage(Reference, mutant, Path.Combine(dir.Path, $"m{seed:D5}"));
            var result = await Task.Run(() => check.Check(folder, CancellationToken.None));
            outcomes.Add((mutant, result, folder));
            if (result.Verdict != ModelCheckVerdict.Passed)
            {
                Directory.Delete(folder, recursive: true);
            }
        });

        var all = outcomes.OrderBy(o => o.Mutant.Seed).ToList();
        var byVerdict = all.GroupBy(o => o.Result.Verdict).ToDictionary(g => g.Key, g => g.Count());
        int Count(ModelCheckVerdict v) => byVerdict.GetValueOrDefault(v);
        var refusedByOrt = all.Count(o => o.Result.Errors.Any(e => e.Problem.Contains("refused by ONNX Runtime", StringComparison.Ordinal)));
        var refusedByContractOrSelfTest = all.Count(o => o.Result.Verdict == ModelCheckVerdict.Refused && !o.Result.Errors.Any(e => e.Problem.Contains("refused by ONNX Runtime", StringComparison.Ordinal)));
        var crashed = all.Where(o => o.Result.Verdict is ModelCheckVerdict.Crashed or ModelCheckVerdict.TimedOut).ToList();
        foreach (var c in crashed)
        {
            output.WriteLine($"child crashed: seed {c.Mutant.Seed} {c.Mutant.Kind} ({c.Mutant.Detail}): {c.Result.Verdict} exit {c.Result.ExitCode} {c.Result.Signal} {c.Result.StdErrTail}");
        }

        ReliabilityFigures.Report(output, "malformed-models", new JsonObject
        {
            ["mutants"] = count,
            ["firstSeed"] = firstSeed,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            ["passed"] = Count(ModelCheckVerdict.Passed),
            ["refused"] = Count(ModelCheckVerdict.Refused),
            ["refusedByOnnxRuntime"] = refusedByOrt,
            ["refusedByContractOrSelfTest"] = refusedByContractOrSelfTest,
            ["childCrashed"] = Count(ModelCheckVerdict.Crashed),
            ["childTimedOut"] = Count(ModelCheckVerdict.TimedOut),
            ["crashedSeeds"] = new JsonArray([.. crashed.Select(c => (JsonNode)$"{c.Mutant.Seed} {c.Mutant.Kind}: {c.Mutant.Detail} (exit {c.Result.ExitCode} {c.Result.Signal})")]),
            ["byKind"] = new JsonObject(all.GroupBy(o => o.Mutant.Kind).OrderBy(g => g.Key).Select(g => KeyValuePair.Create(g.Key.ToString(),
                (JsonNode?)string.Join(", ", g.GroupBy(o => o.Result.Verdict).Select(v => $"{v.Key} {v.Count()}"))))),
        });

        Assert.Equal(count, all.Count);
        Assert.Equal(0, Count(ModelCheckVerdict.NotStarted));
        // Every refusal names at least one problem, as an operator would read it in cmd/response.
        Assert.All(all.Where(o => o.Result.Verdict == ModelCheckVerdict.Refused), o => Assert.Contains(o.Result.Errors, e => e.Problem.Length > 0));
        // The mutants are meaningful: they reach ONNX Runtime's parser and graph checks, and get past them to the contract and self-test.
        Assert.True(refusedByOrt >= count / 10, $"only {refusedByOrt} of {count} mutants were refused by ONNX Runtime");
        Assert.True(refusedByContractOrSelfTest >= 1, "no mutant got past ONNX Runtime to the contract or the self-test");
        // A mutant the check passes is one the station can really load: the same load, in this process.
        var passed = all.Where(o => o.Result.Verdict == ModelCheckVerdict.Passed).ToList();
        Assert.NotEmpty(passed);
        foreach (var p in passed)
        {
            using var model = OnnxModel.Load(p.Folder);
            Assert.Equal($"1.0.0-mutant.{p.Mutant.Seed}", model.Identity.Version);
        }
    }

    [Fact]
    public void A_Check_Process_That_Crashes_Or_Hangs_Refuses_The_Candidate_And_Says_Why()
    {
        using var dir = new TempDirectory("ei-check");
        // Real processes standing in for an ORT that segfaults, and one that never finishes.
        var segfault = new ModelCheckProcess(TimeSpan.FromSeconds(20), _ => Shell("echo 'onnxruntime: something broke' >&2; kill -SEGV $$"));
        var hang = new ModelCheckProcess(TimeSpan.FromMilliseconds(500), _ => Shell("sleep 30"));

        var crashed = segfault.Check(dir.Path, CancellationToken.None);
        var hung = hang.Check(dir.Path, CancellationToken.None);

        Assert.Equal((ModelCheckVerdict.Crashed, 139, "SIGSEGV"), (crashed.Verdict, crashed.ExitCode, crashed.Signal));
        Assert.Equal(ModelCheckVerdict.TimedOut, hung.Verdict);
        Assert.InRange(hung.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(10));
        var refusal = Assert.Throws<ModelPackageException>(() => segfault.EnsurePasses(dir.Path));
        Assert.Contains("crashed the check process (exit 139, SIGSEGV)", refusal.Message);
        Assert.Contains("onnxruntime: something broke", refusal.Message);
        Assert.Contains("did not finish loading and self-testing within 0.5 s", Assert.Throws<ModelPackageException>(() => hang.EnsurePasses(dir.Path)).Message);
        Assert.Equal((4L, 2L, 2L), (segfault.Checked + hang.Checked, segfault.Crashed, hang.TimedOut));
    }

    [Fact]
    public async Task A_Running_Station_Refuses_Malformed_Candidates_On_Cmd_Load_Candidate_Keeps_Serving_And_Then_Loads_A_Good_One()
    {
        using var dir = new TempDirectory("ei-station-mutants");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(dir.Path, "broker"));
        var models = Directory.CreateDirectory(Path.Combine(dir.Path, "models")).FullName;
        var original = await File.ReadAllBytesAsync(Path.Combine(Reference, "model.onnx"));
        // One mutant of each family that ONNX Runtime, the contract and the self-test refuse for different reasons.
        MutationKind[] kinds = [MutationKind.Truncation, MutationKind.NodeDropped, MutationKind.InitializerDimsChanged, MutationKind.OpTypeChanged, MutationKind.InitializerDataTruncated, MutationKind.ByteFlips];
        var names = new List<string>();
        var check = new ModelCheckProcess(TimeSpan.FromSeconds(30));
        foreach (var kind in kinds)
        {
            // The first seed of this family whose mutant the check refuses (mutants that happen to pass are no test here).
            for (var seed = 1; ; seed++)
            {
                var mutant = OnnxMutator.Mutate(original, seed);
                if (mutant.Kind != kind)
                {
                    continue;
                }

                var name = $"mutant-{seed}";
                var folder = OnnxMutator.WritePackage(Reference, mutant, Path.Combine(models, name));
                if (check.Check(folder, CancellationToken.None).Verdict != ModelCheckVerdict.Passed)
                {
                    names.Add(name);
                    break;
                }

                Directory.Delete(folder, recursive: true);
            }
        }

        CopyPackage(Path.Combine(RepoPaths.Models, "reference-score"), Path.Combine(models, "good"));
        const string device = "rel-models";
        var station = dir.File("station.json");
        await File.WriteAllTextAsync(station, StationProcess.Config(device, broker.Port, dir.File("outbox.db"), models).ToJsonString());

        var topic = StationProcess.Topic(device);
        var answers = new ConcurrentDictionary<string, JsonElement>();
        long results = 0;
        var online = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var gateway = new MqttConnection(new MqttConnectionOptions { Host = "127.0.0.1", Port = broker.Port, ClientId = "rel-models-gw" });
        gateway.MessageReceived += message =>
        {
            using var document = JsonDocument.Parse(message.Payload);
            var body = document.RootElement.GetProperty("body");
            if (message.Topic == topic + "/result")
            {
                Interlocked.Increment(ref results);
            }
            else if (message.Topic == topic + "/cmd/response")
            {
                answers[body.GetProperty("correlationId").GetString()!] = body.Clone();
            }
            else if (message.Topic == topic + "/status" && body.GetProperty("state").GetString() == "online")
            {
                online.TrySetResult();
            }
        };
        gateway.Subscribe(topic + "/#");
        gateway.Start();
        Assert.True(await gateway.WaitConnectedAsync(TimeSpan.FromSeconds(10)));

        using var process = StationProcess.Start(station);
        await online.Task.WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var name in names.Append("good"))
        {
            var before = Interlocked.Read(ref results);
            var published = await gateway.PublishAsync($"{topic}/cmd/load-candidate", Encoding.UTF8.GetBytes($$$"""{"correlationId":"{{{name}}}","args":{"package":"{{{name}}}","by":"reliability"}}"""));
            Assert.True(published.IsAcknowledged);
            await WaitAsync(() => answers.ContainsKey(name) || process.HasExited, TimeSpan.FromSeconds(90), () => process.Tail());
            Assert.False(process.HasExited, $"the station died on candidate {name}: {process.Tail()}");
            // It kept inspecting while the candidate was checked and refused.
            await WaitAsync(() => Interlocked.Read(ref results) >= before + 15, TimeSpan.FromSeconds(30), () => process.Tail());
        }

        foreach (var name in names)
        {
            var answer = answers[name];
            Assert.False(answer.GetProperty("accepted").GetBoolean(), $"{name} was accepted: {answer}");
            Assert.Contains("the active model keeps serving", answer.GetProperty("reason").GetString());
        }

        var good = answers["good"];
        Assert.True(good.GetProperty("accepted").GetBoolean(), good.ToString());
        Assert.Contains("phone-cover-defect-score", good.GetProperty("reason").GetString());
        Assert.Equal(0, await process.StopAsync(TimeSpan.FromSeconds(60)));
        output.WriteLine(string.Join('\n', names.Select(n => $"{n}: {answers[n].GetProperty("reason").GetString()}")));
    }

    private static ProcessStartInfo Shell(string script)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        return psi;
    }

    private static void CopyPackage(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, Func<string> explain)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"timed out after {timeout}: {explain()}");
            await Task.Delay(20);
        }
    }
}
