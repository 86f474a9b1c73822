using System.Text.Json;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;

namespace EdgeInspect.Worker.Tests.Cli;

[Trait("Category", "Integration")]
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Bench_Json_Prints_Every_Figure_For_The_Pipeline_The_Bare_Loop_And_The_Paced_Run()
    {
        var result = await CliProcess.RunAsync(
            ["bench", "--model", Path.Combine(RepoPaths.Models, "reference"), "--source", RepoPaths.PhoneSet("holdout"), "--frames", "300", "--threads", "2", "--rate", "30", "--paced-frames", "300",
             "--mode", "live", "--json"],
            timeout: TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == ExitCodes.Ok, result.StdErr + result.StdOut);
        using var json = JsonDocument.Parse(result.StdOut);
        var root = json.RootElement;
        var bare = Assert.Single(root.GetProperty("bare").EnumerateArray());
        var pipeline = Assert.Single(root.GetProperty("pipeline").EnumerateArray());
        var paced = root.GetProperty("paced");
        Assert.Equal("bare (TurboJPEG from memory)", bare.GetProperty("kind").GetString());
        Assert.Equal(30, paced.GetProperty("rate").GetDouble());
        // At a line's rate the bench runs the station as `run` would: on the thread count it chooses from its cores
        // (1 on 2 cores, 3 on 4), not on the unpaced run's 2.
        Assert.Equal("auto", root.GetProperty("pacedThreads").GetString());
        Assert.Equal(root.GetProperty("autoThreads").GetInt32(), paced.GetProperty("threads").GetInt32());
        foreach (var figures in new[] { bare, pipeline, paced })
        {
            Assert.True(figures.GetProperty("fps").GetDouble() > 0);
            Assert.True(figures.GetProperty("cpuMsPerFrame").GetDouble() > 0);
            var gc = figures.GetProperty("gc");
            // A gen1 collection also collects gen0, a gen2 both: counts over any window are ordered.
            Assert.InRange(gc.GetProperty("gen1").GetInt32(), gc.GetProperty("gen2").GetInt32(), gc.GetProperty("gen0").GetInt32());
            Assert.True(figures.GetProperty("stages").EnumerateObject().Any());
        }

        // The bare loop allocates next to nothing per frame; the pipeline makes a record, an envelope and an outbox row for each.
        var bareBytes = bare.GetProperty("allocatedBytesPerFrame").GetDouble();
        var pipelineBytes = pipeline.GetProperty("allocatedBytesPerFrame").GetDouble();
        Assert.InRange(pipelineBytes, 1, 1_000_000);
        Assert.True(bareBytes < pipelineBytes, $"bare {bareBytes} B/frame, pipeline {pipelineBytes} B/frame");

        // Capture to decision over every steady part of the paced run, the audited ones included, beside the model's own time.
        var decision = root.GetProperty("decision");
        Assert.Equal(decision.GetProperty("captureToDecisionP99Ms").GetDouble(), paced.GetProperty("decision").GetProperty("captureToDecisionP99Ms").GetDouble());
        Assert.Equal(200, decision.GetProperty("parts").GetInt64());
        Assert.InRange(decision.GetProperty("auditedParts").GetInt64(), 1, 12);
        var p50 = decision.GetProperty("captureToDecisionP50Ms").GetDouble();
        var p99 = decision.GetProperty("captureToDecisionP99Ms").GetDouble();
        Assert.True(p50 > 0 && p50 <= p99, $"p50 {p50} ms, p99 {p99} ms");
        Assert.True(decision.GetProperty("inferenceP99Ms").GetDouble() > 0);
        Assert.Equal("live", root.GetProperty("mode").GetString());

        var stages = paced.GetProperty("stages");
        foreach (var stage in new[] { "preprocess", "inference", "capture_to_decision", "capture_to_publish" })
        {
            Assert.True(stages.GetProperty(stage).GetProperty("p99Ms").GetDouble() > 0, stage);
            Assert.True(stages.GetProperty(stage).GetProperty("p50Ms").GetDouble() > 0, stage);
        }

        Assert.True(pipeline.GetProperty("resultsReceivedOverMqtt").GetInt64() >= 300);
        Assert.True(paced.GetProperty("resultsReceivedOverMqtt").GetInt64() >= 300);
        Assert.True(paced.GetProperty("steadyRssBytes").GetInt64() > 0);
        var summary = root.GetProperty("summary");
        Assert.True(summary.GetProperty("fpsRatioBestPipelineToBare1").GetDouble() > 0);
        Assert.True(summary.GetProperty("cpuRatioPacedToBare1").GetDouble() > 0);
        Assert.True(root.GetProperty("peakRssBytes").GetInt64() > 0);
        var targets = summary.GetProperty("targets");
        Assert.Equal(6, targets.EnumerateObject().Count());
        Assert.All(targets.EnumerateObject(), t => Assert.True(t.Value.ValueKind is JsonValueKind.True or JsonValueKind.False, t.Name));
    }
}
