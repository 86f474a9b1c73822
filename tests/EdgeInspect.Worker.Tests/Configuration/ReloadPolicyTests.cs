using EdgeInspect.Worker.Config;
using Microsoft.Extensions.Configuration;

namespace EdgeInspect.Worker.Tests.Configuration;

public sealed class ReloadPolicyTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Mode_Thresholds_And_Sampling_Rates_Reload_Without_A_Restart()
    {
        var before = Config(("automation:mode", "shadow"), ("promotion:minAgreement", "0.95"), ("samples:randomFraction", "0.01"), ("samples:folder", "a"));
        var after = Config(("automation:mode", "live"), ("promotion:minAgreement", "0.97"), ("samples:randomFraction", "0.02"), ("samples:folder", "a"));

        var changes = ReloadPolicy.CreateDefault().Compare(before, after);

        Assert.False(changes.RequiresRestart);
        Assert.Equal(["automation:mode", "promotion:minAgreement", "samples:randomFraction"], changes.HotReloaded);
    }

    [Fact]
    public void Other_Changes_Are_Named_As_Needing_A_Restart()
    {
        var before = Config(("automation:mode", "shadow"), ("capture:cameras:0:device", "/dev/video0"), ("link:host", "a"));
        var after = Config(("automation:mode", "assist"), ("capture:cameras:0:device", "/dev/video1"), ("samples:folder", "b"));

        var changes = ReloadPolicy.CreateDefault().Compare(before, after);

        Assert.Equal(["capture:cameras:0:device", "link:host", "samples:folder"], changes.RestartRequired);
        Assert.Contains("need a restart: capture:cameras:0:device, link:host, samples:folder", changes.Describe());
    }

    [Fact]
    public void Subsystems_Can_Add_Their_Own_Hot_Sections()
    {
        var policy = ReloadPolicy.CreateDefault().AddHotReloadable("model:thresholds");

        Assert.True(policy.IsHotReloadable("model:thresholds:defect"));
        Assert.True(policy.IsHotReloadable("MODEL:Thresholds"));
        Assert.False(policy.IsHotReloadable("model:thresholdsX"));
        Assert.False(policy.IsHotReloadable("model:package"));
    }
}
