using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;

namespace EdgeInspect.Worker.Tests.Cli;

[Trait("Category", "Integration")]
public sealed class ConfigValidateCommandTests
{
    private static string BadStation(string name) => Path.Combine(RepoPaths.Root, "tests", "EdgeInspect.Worker.Tests", "Configuration", "bad-stations", name);

    /// <summary>Ten malformed station files, each with one defect and the one line that must explain it.</summary>
    public static TheoryData<string, string> MalformedStations => new()
    {
        { "01-missing-comma.json", "01-missing-comma.json: is not valid JSON at line 5, column 5" },
        { "02-array-at-top.json", "02-array-at-top.json: holds a JSON array at the top; expected a JSON object with sections station, automation" },
        { "03-unknown-mode.json", "automation:mode: is \"autopilot\"; expected one of shadow, assist, partial, canary, live" },
        { "04-timeout-not-a-timespan.json", "automation:verdictTimeout: is \"soon\"; expected a TimeSpan as hh:mm:ss[.fff]" },
        { "05-timeout-bare-number.json", "automation:verdictTimeout: is \"5\"; expected a TimeSpan as hh:mm:ss[.fff]" },
        { "06-canary-fraction-above-one.json", "automation:canaryFraction: is 1.5; expected a fraction from 0 to 1" },
        { "07-missing-device-id.json", "station:deviceId: is missing; expected a name of letters, digits" },
        { "08-misspelt-field.json", "automation:verdictTimout: is not a known field; expected one of mode, canaryFraction, auditFraction, partialAuditFraction, verdictTimeout" },
        { "09-unknown-section.json", "camera: is not a known section; expected one of station, automation" },
        { "10-quota-with-a-unit-suffix.json", "samples:quotaBytes: is \"2GB\"; expected a whole number" },
    };

    [Theory]
    [MemberData(nameof(MalformedStations))]
    public async Task A_Malformed_Station_File_Exits_2_With_Its_Own_Clear_Message(string file, string expectedLine)
    {
        var result = await CliProcess.RunAsync(["config", "validate", BadStation(file)]);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("(1 problem)", result.StdErr);
        Assert.Contains($"  {expectedLine}", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.DoesNotContain("valid:", result.StdOut);
    }

    [Fact]
    public void The_Ten_Malformed_Stations_Each_Give_A_Different_Message()
    {
        var messages = MalformedStations.Select(row => (string)row[0]).Select(file =>
        {
            using var error = new StringWriter();
            Assert.Equal(ExitCodes.InvalidInput, ConfigValidateCommand.Run(BadStation(file), TextWriter.Null, error));
            return error.ToString().Split('\n')[1].Trim();
        }).ToList();

        Assert.Equal(10, messages.Distinct().Count());
    }

    [Theory]
    [InlineData("demo.json", "automation shadow")]
    [InlineData("line1-station3.json", "automation live")]
    public async Task The_Sample_Stations_Are_Valid(string file, string expectedMode)
    {
        var result = await CliProcess.RunAsync(["config", "validate", Path.Combine(RepoPaths.Root, "firmware-config", "stations", file)]);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.StartsWith("valid: ", result.StdOut);
        Assert.Contains(expectedMode, result.StdOut);
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public async Task A_Missing_File_Exits_2_Naming_The_File()
    {
        var result = await CliProcess.RunAsync(["config", "validate", "no-such-station.json"]);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("no-such-station.json: was not found", result.StdErr);
    }

    [Fact]
    public void Every_Problem_Of_A_File_Is_Listed_At_Once()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("many.json"), """
            {
              "station": { "deviceId": "a b", "site": "s", "area": "a", "line": "l", "name": "n", "configRevision": "r" },
              "automation": { "mode": "autopilot", "verdictTimeout": "abc", "canaryFraction": -1, "noDecisionAction": "ignore" },
              "samples": { "saveUncertain": "yes" },
              "promotion": { "minParts": 0 },
              "capture": { "source": "/dev/video0" },
              "model": { "package": "models/reference" },
              "link": { "host": "127.0.0.1" },
              "inspector": { "backend": "scripted" }
            }
            """);
        using var error = new StringWriter();

        var exit = ConfigValidateCommand.Run(dir.File("many.json"), TextWriter.Null, error);

        Assert.Equal(ExitCodes.InvalidInput, exit);
        var text = error.ToString();
        Assert.Contains("(7 problems)", text);
        foreach (var path in new[] { "station:deviceId", "automation:mode", "automation:verdictTimeout", "automation:canaryFraction", "automation:noDecisionAction", "samples:saveUncertain", "promotion:minParts" })
        {
            Assert.Contains($"  {path}: ", text);
        }
    }
}
