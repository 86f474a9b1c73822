using EdgeInspect.Core.Configuration;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Sparkplug;

namespace EdgeInspect.Worker.Tests.Sparkplug;

public sealed class SparkplugOptionsTests : IDisposable
{
    private const string Station = """
        "station": { "deviceId": "ei-1", "site": "s", "area": "a", "line": "l", "name": "n", "configRevision": "r1" },
        "model": { "package": "models/reference" }, "inspector": { "backend": "scripted" }, "capture": { "source": "/dev/video0" }
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private StationConfigResult Load(string link)
    {
        var path = _dir.File($"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""{ {{Station}}, "link": {{link}} }""");
        return StationConfigLoader.CreateDefault().LoadFile(path);
    }

    [Fact]
    public void Off_By_Default_And_The_Link_Section_Binds_As_Before()
    {
        var result = Load("""{ "host": "10.0.0.5", "port": 1884 }""");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var options = result.Config.Section<SparkplugOptions>("link:sparkplug");
        Assert.False(options.Enabled);
        Assert.True(options.PublishResults);
        Assert.False(options.AllowWrites);
        Assert.Equal(("10.0.0.5", 1884), (result.Config.Section<LinkOptions>("link").Host, result.Config.Section<LinkOptions>("link").Port));
        Assert.DoesNotContain("link:sparkplug", StationConfigLoader.CreateDefault().KnownSections);
    }

    [Fact]
    public void An_Enabled_Node_Binds_Every_Field()
    {
        var result = Load("""
            { "host": "127.0.0.1", "sparkplug": { "enabled": true, "groupId": "plant-a", "edgeNodeId": "st-07", "primaryHostId": "scada", "publishResults": false, "allowWrites": true } }
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var options = result.Config.Section<SparkplugOptions>("link:sparkplug");
        Assert.Equal((true, "plant-a", "st-07", "scada", false, true),
            (options.Enabled, options.GroupId, options.EdgeNodeId, options.PrimaryHostId, options.PublishResults, options.AllowWrites));
        Assert.Equal("st-07", new SparkplugTopics(options.GroupId, options.EdgeNodeId, options.PrimaryHostId).NodeBirth.Split('/')[^1]);
        Assert.Equal("spBv1.0/STATE/scada", new SparkplugTopics(options.GroupId, options.EdgeNodeId, options.PrimaryHostId).State);
    }

    [Fact]
    public void Every_Bad_Field_Is_Reported_At_Start_With_Its_Path()
    {
        var result = Load("""
            { "host": "127.0.0.1", "sparkplug": { "enabled": true, "groupId": "plant/a", "edgeNodeId": "", "primaryHostId": "scada#1", "allowWrite": true, "publishResults": "often" } }
            """);

        Assert.False(result.IsValid);
        var paths = result.Errors.Select(e => e.Path).ToList();
        Assert.Contains("link:sparkplug:groupId", paths);
        Assert.Contains("link:sparkplug:edgeNodeId", paths);
        Assert.Contains("link:sparkplug:primaryHostId", paths);
        Assert.Contains("link:sparkplug:allowWrite", paths);
        Assert.Contains("link:sparkplug:publishResults", paths);
        var group = result.Errors.Single(e => e.Path == "link:sparkplug:groupId");
        Assert.Contains("'/'", group.Problem);
        Assert.Contains("without '/', '+' or '#'", group.Expected);
        Assert.Contains(result.Errors, e => e.Path == "link:sparkplug:allowWrite" && e.Problem == "is not a known field");
    }

    [Theory]
    [InlineData("a+b", "'+'")]
    [InlineData("#", "'#'")]
    [InlineData(" padded", "spaces")]
    [InlineData("", "missing")]
    public void Sparkplug_Ids_Must_Be_One_Topic_Level(string id, string problem)
    {
        var errors = new List<ConfigError>();
        new SparkplugOptions { Enabled = true, GroupId = id, EdgeNodeId = "ok" }.Validate("link:sparkplug", errors);

        Assert.Contains(problem, Assert.Single(errors).Problem);
    }

    [Fact]
    public void A_Disabled_Node_Needs_No_Ids()
    {
        var errors = new List<ConfigError>();
        new SparkplugOptions().Validate("link:sparkplug", errors);

        Assert.Empty(errors);
        Assert.Equal("off", new SparkplugOptions().ToString());
    }

    [Theory]
    [InlineData("demo.json")]
    [InlineData("line1-station3.json")]
    public void The_Example_Stations_Carry_A_Valid_Disabled_Block(string file)
    {
        var result = StationConfigLoader.CreateDefault().LoadFile(Path.Combine(RepoPaths.Root, "firmware-config", "stations", file));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var options = result.Config.Section<SparkplugOptions>("link:sparkplug");
        Assert.False(options.Enabled);
        Assert.NotEmpty(options.GroupId);
        Assert.NotEmpty(options.EdgeNodeId);
    }
}
