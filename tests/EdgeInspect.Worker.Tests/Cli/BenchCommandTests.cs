using System.Text.Json;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;

namespace EdgeInspect.Worker.Tests.Cli;

[Trait("Category", "Integration")]
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Bench_Json_Prints_Every_Figure_For_The_Pipeline_And_The_Bare_Loop()
    {
        var result = await CliProcess.RunAsync(
            ["bench", "--model", Path.Combine(RepoPaths.Models, "reference"), "--source", RepoPaths.PhoneSet("holdout"), "--frames", "300", "--mode", "live", "--json"],
            timeout: TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == ExitCodes.Ok, result.StdErr + result.StdOut);
        using var json = JsonDocument.Parse(result.StdOut);
        var root = json.RootElement;
        foreach (var run in new[] { "bare", "pipeline" })
        {
            var figures = root.GetProperty(run);
            Assert.True(figures.GetProperty("fps").GetDouble() > 0);
            var gc = figures.GetProperty("gc");
            // A gen1 collection also collects gen0, a gen2 both: counts over any window are ordered.
            Assert.InRange(gc.GetProperty("gen1").GetInt32(), gc.GetProperty("gen2").GetInt32(), gc.GetProperty("gen0").GetInt32());
            Assert.True(figures.GetProperty("stages").EnumerateObject().Any());
        }

        // The bare loop allocates next to nothing per frame; the pipeline makes a record, an envelope and an outbox row for each.
        var bareBytes = root.GetProperty("bare").GetProperty("allocatedBytesPerFrame").GetDouble();
        var pipelineBytes = root.GetProperty("pipeline").GetProperty("allocatedBytesPerFrame").GetDouble();
        Assert.InRange(pipelineBytes, 256, 1_000_000);
        Assert.True(bareBytes < pipelineBytes, $"bare {bareBytes} B/frame, pipeline {pipelineBytes} B/frame");

        // Capture to decision over every steady part, the audited ones included, beside the model's own time.
        var decision = root.GetProperty("decision");
        Assert.Equal(200, decision.GetProperty("parts").GetInt64());
        Assert.InRange(decision.GetProperty("auditedParts").GetInt64(), 1, 12);
        var p50 = decision.GetProperty("captureToDecisionP50Ms").GetDouble();
        var p99 = decision.GetProperty("captureToDecisionP99Ms").GetDouble();
        Assert.True(p50 > 0 && p50 <= p99, $"p50 {p50} ms, p99 {p99} ms");
        Assert.True(decision.GetProperty("inferenceP99Ms").GetDouble() > 0);
        Assert.Equal("live", root.GetProperty("mode").GetString());

        var stages = root.GetProperty("pipeline").GetProperty("stages");
        foreach (var stage in new[] { "preprocess", "inference", "capture_to_decision", "capture_to_publish" })
        {
            Assert.True(stages.GetProperty(stage).GetProperty("p99Ms").GetDouble() > 0, stage);
            Assert.True(stages.GetProperty(stage).GetProperty("p50Ms").GetDouble() > 0, stage);
        }

        Assert.True(root.GetProperty("pipeline").GetProperty("resultsReceivedOverMqtt").GetInt64() >= 300);
        Assert.True(root.GetProperty("ratio").GetDouble() > 0);
        Assert.True(root.GetProperty("peakRssBytes").GetInt64() > 0);
        Assert.Equal(5, root.GetProperty("targets").EnumerateObject().Count());
    }
}
