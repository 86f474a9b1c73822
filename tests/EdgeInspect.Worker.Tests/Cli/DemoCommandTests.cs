using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;

namespace EdgeInspect.Worker.Tests.Cli;

/// <summary>`edgeinspect demo`, the README's first command, as a person runs it.</summary>
[Trait("Category", "Integration")]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task The_Demo_Runs_The_Station_Shows_The_Lighting_Alert_And_Ends_With_The_Summary()
    {
        var result = await CliProcess.RunAsync(["demo"], timeout: TimeSpan.FromMinutes(4));

        Assert.True(result.ExitCode == ExitCodes.Ok, result.StdErr + result.StdOut);
        Assert.Contains("Supervisor view of edgeinspect/demo-site/assembly/line1/demo/#", result.StdOut);
        // The lights dim to 55%: the supervisor sees the brightness alert raised, in full, with its evidence.
        Assert.Matches(@"ALERT\s+RAISED\s+cam0\.brightness\.(distribution|sequential): brightness on cam0: .* current [\d.]+ vs reference [\d.]+", result.StdOut);
        Assert.Contains("Promotion gate after", result.StdOut);
        Assert.Contains("EdgeInspect demo summary", result.StdOut);
        Assert.Matches(@"results received over MQTT\s+│\s+900 of 900", result.StdOut);
        Assert.Contains("Cohen's kappa", result.StdOut);
        Assert.Contains("STATUS offline", result.StdOut);
    }
}
