using System.Text.Json.Nodes;
using EdgeInspect.Tests.Shared;
using Xunit.Abstractions;

namespace EdgeInspect.Worker.Tests.Reliability;

/// <summary>
/// The soak (issue 19) as CI runs it: `edgeinspect soak --minutes 1` as a child process. One minute, not three: this
/// assembly runs its classes one at a time (AssemblyInfo.cs), so a soak cannot overlap other tests and three minutes
/// would take most of the suite's reliability budget. A minute cannot judge an RSS slope (warm-up dominates); it
/// proves the verb, the rate, and that descriptors and threads stay flat. The hour is `edgeinspect soak --minutes 60`
/// (docs/reliability.md).
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Reliability")]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task One_Minute_At_10_Fps_Decides_At_The_Rate_Drains_The_Outbox_And_Keeps_Handles_And_Threads_Flat()
    {
        var minutes = ReliabilityFigures.Size("EDGEINSPECT_SOAK_MINUTES", 1);
        var run = await CliProcess.RunAsync(["soak", "--minutes", minutes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--fps", "10", "--sample-every", "00:00:02", "--json"],
            timeout: TimeSpan.FromMinutes(minutes + 2));
        output.WriteLine(run.StdErr);
        Assert.True(run.ExitCode == 0, $"soak exited {run.ExitCode}: {run.StdErr}\n{run.StdOut}");
        var report = JsonNode.Parse(run.StdOut)!.AsObject();
        ReliabilityFigures.Report(output, "soak-ci", report);

        var elapsed = report["elapsedSeconds"]!.GetValue<double>();
        Assert.InRange(elapsed, minutes * 60 - 1, minutes * 60 + 30);
        Assert.True(report["decided"]!.GetValue<long>() >= 0.8 * 10 * elapsed, $"decided {report["decided"]} parts in {elapsed} s at 10 fps");
        Assert.True(report["samples"]!.GetValue<int>() >= 25, "a sample every 2 s");
        Assert.True(report["outbox"]!["endDepth"]!.GetValue<long>() < 50, "the outbox drains to the broker as it goes");
        Assert.True(report["handles"]!["growth"]!.GetValue<int>() <= 1, $"file descriptors grew: {report["handles"]}");
        Assert.True(report["threads"]!["growth"]!.GetValue<int>() <= 2, $"threads grew: {report["threads"]}");
    }
}
