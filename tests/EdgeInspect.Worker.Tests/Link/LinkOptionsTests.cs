using EdgeInspect.Core.Configuration;
using EdgeInspect.Worker.Link;

namespace EdgeInspect.Worker.Tests.Link;

public sealed class LinkOptionsTests
{
    [Fact]
    public void Defaults_Are_Valid()
    {
        var errors = new List<ConfigError>();
        new LinkOptions().Validate("link", errors);
        Assert.Empty(errors);
    }

    [Fact]
    public void Every_Invalid_Field_Is_Listed_At_Once_Without_Echoing_Secrets()
    {
        var options = new LinkOptions
        {
            Port = 0,
            Line = "line/3",
            ReconnectDelayMin = TimeSpan.FromSeconds(10),
            ReconnectDelayMax = TimeSpan.FromSeconds(1),
            Password = "hunter2",
            TlsCertFile = "client.crt",
            CommandHmacKeyHex = "not-hex-secret",
        };
        var errors = new List<ConfigError>();
        options.Validate("link", errors);

        var paths = errors.Select(e => e.Path).ToList();
        Assert.Contains("link:port", paths);
        Assert.Contains("link:line", paths);
        Assert.Contains("link:reconnectDelayMax", paths);
        Assert.Contains("link:password", paths);
        Assert.Contains("link:tlsKeyFile", paths);
        Assert.Contains("link:commandHmacKeyHex", paths);
        Assert.DoesNotContain(errors, e => e.ToString().Contains("hunter2") || e.ToString().Contains("not-hex-secret"));
    }

    [Fact]
    public void ToString_Leaves_The_Password_And_Hmac_Key_Out()
    {
        var options = new LinkOptions { Username = "st-07", Password = "hunter2", CommandHmacKeyHex = new string('a', 64) };
        var text = options.ToString() + options.ToClientOptions(new Native.Mosquitto.MqttWill("t", [])).ToString();
        Assert.DoesNotContain("hunter2", text);
        Assert.DoesNotContain(new string('a', 64), text);
        Assert.Contains("commands=signed", text);
    }
}
