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
            ["bench", "--model", Path.Combine(RepoPaths.Models, "reference"), "--source", RepoPaths.PhoneSet("holdout"), "--frames", "300", "--json"],
            timeout: TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == ExitCodes.Ok, result.StdErr + result.StdOut);
        using var json = JsonDocument.Parse(result.StdOut);
        var root = json.RootElement;
        foreach (var run in new[] { "bare", "pipeline" })
        {
            var figures = root.GetProperty(run);
            Assert.True(figures.GetProperty("fps").GetDouble() > 0);
            Assert.True(figures.GetProperty("allocatedBytesPerFrame").GetDouble() >= 0);
            foreach (var gen in new[] { "gen0", "gen1", "gen2" })
            {
                Assert.True(figures.GetProperty("gc").GetProperty(gen).GetInt32() >= 0);
            }

            Assert.True(figures.GetProperty("stages").EnumerateObject().Any());
        }

        var stages = root.GetProperty("pipeline").GetProperty("stages");
        foreach (var stage in new[] { "preprocess", "inference", "capture_to_decision", "capture_to_publish" })
        {
            Assert.True(stages.GetProperty(stage).GetProperty("p99Ms").GetDouble() > 0, stage);
            Assert.True(stages.GetProperty(stage).GetProperty("p50Ms").GetDouble() > 0, stage);
        }

        Assert.True(root.GetProperty("pipeline").GetProperty("resultsReceivedOverMqtt").GetInt64() >= 300);
        Assert.True(root.GetProperty("ratio").GetDouble() > 0);
        Assert.True(root.GetProperty("peakRssBytes").GetInt64() > 0);
        Assert.Equal(4, root.GetProperty("targets").EnumerateObject().Count());
    }
}
