using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Config;
using Microsoft.Extensions.Configuration;

namespace EdgeInspect.Worker.Tests.Configuration;

public sealed class StationConfigLoaderTests : IDisposable
{
    /// <summary>A station's identity plus the required subsystem sections other than capture (which some tests replace).</summary>
    private const string Station = """
        "station": { "deviceId": "ei-1", "site": "s", "area": "a", "line": "l", "name": "n", "configRevision": "r1" },
        "model": { "package": "models/reference" }, "link": { "host": "127.0.0.1" }, "inspector": { "backend": "scripted" }
        """;

    private const string Camera = """
        "capture": { "source": "/dev/video0" }
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string json)
    {
        var path = _dir.File($"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void The_Demo_Station_Binds_Every_Pipeline_Section()
    {
        var result = StationConfigLoader.CreateDefault().LoadFile(Path.Combine(RepoPaths.Root, "firmware-config", "stations", "demo.json"));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var options = result.Config.Options;
        Assert.Equal(AutomationMode.Shadow, options.Automation.Mode);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Automation.VerdictTimeout);
        Assert.Equal(["cam0.brightness*", "cam0.concept"], options.Promotion.FallbackToShadow.Alerts);
        Assert.Equal(268435456, options.Samples.QuotaBytes);
        Assert.Equal("demo", options.Station.Name);
    }

    [Fact]
    public void A_Station_Config_Built_In_Memory_Is_Checked_Exactly_Like_A_File()
    {
        var loader = StationConfigLoader.CreateDefault();
        var json = $$"""{ {{Station}}, {{Camera}}, "automation": { "mode": "canary", "decisionDeadline": "00:00:01.500" } }""";

        var fromMemory = loader.LoadJson(json, "the demo station (in memory)");
        var fromFile = loader.LoadFile(Write(json));
        var bad = loader.LoadJson($$"""{ {{Station}}, {{Camera}}, "automation": { "mode": "turbo", "decisionDeadline": "1500" } }""", "memory");
        var broken = loader.LoadJson("{ \"station\": ", "memory");

        Assert.True(fromMemory.IsValid, string.Join("\n", fromMemory.Errors));
        Assert.Equal("the demo station (in memory)", fromMemory.Config.Source);
        Assert.Equal(fromFile.Config!.Options.Automation.DecisionDeadline, fromMemory.Config.Options.Automation.DecisionDeadline);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), fromMemory.Config.Options.Automation.DecisionDeadline);
        Assert.Equal(["automation:decisionDeadline", "automation:mode"], bad.Errors.Select(e => e.Path).Order());
        Assert.Contains("is not valid JSON at line 1", Assert.Single(broken.Errors).Problem);
    }

    [Fact]
    public void Missing_Optional_Sections_Take_Their_Defaults_And_Keys_Ignore_Case()
    {
        var result = StationConfigLoader.CreateDefault().LoadFile(Write($$"""{ {{Station}}, {{Camera}}, "Automation": { "MODE": "Live" } }"""));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(AutomationMode.Live, result.Config.Options.Automation.Mode);
        Assert.Equal(500, result.Config.Options.Promotion.MinParts);
    }

    [Fact]
    public void A_Registered_Subsystem_Section_Is_Shape_Checked_Bound_And_Validated()
    {
        var loader = StationConfigLoader.CreateDefault().Register<FakeCaptureOptions>("capture");
        var good = loader.LoadFile(Write($$"""{ {{Station}}, "automation": {}, "capture": { "device": "/dev/video0", "fps": 30 } }"""));
        var bad = loader.LoadFile(Write($$"""{ {{Station}}, "automation": {}, "capture": { "device": "", "fps": "fast", "exposur": 3 } }"""));
        var missing = loader.LoadFile(Write($$"""{ {{Station}}, "automation": {} }"""));

        Assert.True(good.IsValid, string.Join("\n", good.Errors));
        Assert.Equal(30, good.Config.Section<FakeCaptureOptions>("capture").Fps);
        Assert.Equal(["capture:exposur", "capture:fps", "capture:device"], bad.Errors.Select(e => e.Path));
        Assert.Equal("capture", Assert.Single(missing.Errors).Path);
    }

    [Fact]
    public void Placeholder_Sections_Are_Accepted_Unchecked()
    {
        var result = StationConfigLoader.CreateDefault().Placeholder("extras").LoadFile(Write($$"""{ {{Station}}, {{Camera}}, "automation": {}, "extras": { "anything": [1, 2] } }"""));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Theory]
    [InlineData("\"5\"")]
    [InlineData("5")]
    [InlineData("\"five seconds\"")]
    public void A_Duration_Must_Be_Written_As_A_TimeSpan(string value)
    {
        var result = StationConfigLoader.CreateDefault().LoadFile(Write($$"""{ {{Station}}, {{Camera}}, "automation": { "verdictTimeout": {{value}} } }"""));

        var error = Assert.Single(result.Errors);
        Assert.Equal("automation:verdictTimeout", error.Path);
        Assert.Contains("hh:mm:ss", error.Expected);
    }

    [Fact]
    public void A_Key_Given_Twice_Is_Reported_Not_Thrown()
    {
        var result = StationConfigLoader.CreateDefault().LoadFile(Write($$"""{ {{Station}}, {{Camera}}, "automation": { "mode": "live", "mode": "shadow" } }"""));

        Assert.Contains("duplicate key", Assert.Single(result.Errors).Problem);
    }

    [Fact]
    public void An_Object_Where_A_Value_Belongs_Is_Reported_With_The_Expected_Form()
    {
        var result = StationConfigLoader.CreateDefault().LoadFile(Write($$"""{ {{Station}}, {{Camera}}, "automation": { "mode": { "name": "live" } } }"""));

        var error = Assert.Single(result.Errors);
        Assert.Equal(("automation:mode", "is an object or a list"), (error.Path, error.Problem));
    }

    [Fact]
    public void A_Host_Configuration_With_Keys_Of_Its_Own_Can_Be_Validated_Without_Rejecting_Them()
    {
        var host = new ConfigurationBuilder()
            .AddJsonFile(Write($$"""{ {{Station}}, {{Camera}}, "automation": { "mode": "canary" } }"""))
            .AddInMemoryCollection([new("Logging:LogLevel:Default", "Information")])
            .Build();

        var strict = StationConfigLoader.CreateDefault().Load(host, "host");
        var lenient = StationConfigLoader.CreateDefault().Load(host, "host", rejectUnknownSections: false);

        Assert.Equal("Logging", Assert.Single(strict.Errors).Path);
        Assert.True(lenient.IsValid, string.Join("\n", lenient.Errors));
        Assert.Equal(AutomationMode.Canary, lenient.Config.Options.Automation.Mode);
    }

    private sealed class FakeCaptureOptions : IConfigSection
    {
        public string Device { get; set; } = "";

        public int Fps { get; set; } = 10;

        public void Validate(string path, ICollection<ConfigError> errors)
        {
            if (Device.Length == 0)
            {
                errors.Add(new ConfigError(ConfigPath.Join(path, "device"), "is missing", "a device path such as /dev/video0"));
            }
        }
    }
}
