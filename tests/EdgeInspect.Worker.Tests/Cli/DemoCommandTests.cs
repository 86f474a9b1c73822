using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;

namespace EdgeInspect.Worker.Tests.Cli;

/// <summary>`edgeinspect demo`, the README's first command, as a person runs it.</summary>
[Trait("Category", "Integration")]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task The_Demo_Runs_The_Station_Shows_One_Lighting_Incident_And_Ends_With_The_Summary()
    {
        var result = await CliProcess.RunAsync(["demo"], timeout: TimeSpan.FromMinutes(4));

        Assert.True(result.ExitCode == ExitCodes.Ok, result.StdErr + result.StdOut);
        Assert.Contains("Supervisor view of edgeinspect/demo-site/assembly/line1/demo/#", result.StdOut);
        // The lights dim to 55%: the supervisor sees one lighting incident, with why and what to do, not a dozen alerts.
        var raised = System.Text.RegularExpressions.Regex.Matches(result.StdOut, @"INCIDENT RAISED\s+(\S+): (\w+) \(confidence [\d.]+\), \d+ alerts? grouped");
        var incident = Assert.Single(raised);
        Assert.Equal("lighting", incident.Groups[2].Value);
        Assert.Matches(@"why:\s+lighting: the luma family moved together", result.StdOut);
        Assert.Matches(@"action:\s+Check the line lights", result.StdOut);
        Assert.DoesNotMatch(@"(?m)^ALERT\s", result.StdOut);
        // The summary counts incidents, and the alerts only as what they grouped.
        Assert.Matches(@"incidents seen by the supervisor\s+│\s+1 raised", result.StdOut);
        Assert.Matches(@"│ incidents\s+│\s+lighting \(raised as lighting", result.StdOut);
        Assert.Contains("Promotion gate after", result.StdOut);
        Assert.Contains("EdgeInspect demo summary", result.StdOut);
        Assert.Matches(@"results received over MQTT\s+│\s+900 of 900", result.StdOut);
        Assert.Contains("Cohen's kappa", result.StdOut);
        Assert.Contains("STATUS offline", result.StdOut);
    }
}
