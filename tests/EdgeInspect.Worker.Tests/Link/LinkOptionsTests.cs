using EdgeInspect.Core.Configuration;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;

namespace EdgeInspect.Worker.Tests.Link;

public sealed class LinkOptionsTests
{
    [Fact]
    public void Defaults_Are_Valid()
    {
        var errors = new List<ConfigError>();
        new LinkOptions().Validate("link", errors);
        new OutboxOptions().Validate("outbox", errors);
        Assert.Empty(errors);
    }

    [Fact]
    public void Every_Invalid_Field_Is_Listed_At_Once_Without_Echoing_Secrets()
    {
        var options = new LinkOptions
        {
            Port = 0,
            Prefix = "edge/inspect",
            ProtocolVersion = "4",
            ReconnectDelayMin = TimeSpan.FromSeconds(10),
            ReconnectDelayMax = TimeSpan.FromSeconds(1),
            Password = "hunter2",
            TlsCertFile = "client.crt",
            TlsKeyPassphrase = "key-secret",
            TlsPfxFile = "client.pfx",
            TlsPfxPassphrase = "pfx-secret",
            CommandHmacKeyHex = "not-hex-secret",
        };
        var errors = new List<ConfigError>();
        options.Validate("link", errors);

        var paths = errors.Select(e => e.Path).ToList();
        Assert.Contains("link:port", paths);
        Assert.Contains("link:prefix", paths);
        Assert.Contains("link:protocolVersion", paths);
        Assert.Contains("link:reconnectDelayMax", paths);
        Assert.Contains("link:password", paths);
        Assert.Contains("link:tlsKeyFile", paths);
        Assert.Contains("link:tlsKeyPassphrase", paths);
        Assert.Contains("link:tlsPfxFile", paths);
        Assert.Contains("link:tlsCaFile", paths);
        Assert.Contains("link:commandHmacKeyHex", paths);
        Assert.DoesNotContain(errors, e => e.ToString().Contains("hunter2") || e.ToString().Contains("secret"));
    }

    [Fact]
    public void The_Link_Reports_Exactly_The_Connection_Rules_Under_Its_Own_Field_Names()
    {
        var options = new LinkOptions { Port = 70000, KeepAlive = TimeSpan.FromSeconds(1), SessionExpiry = TimeSpan.FromDays(90), Username = null, Password = "p" };
        var errors = new List<ConfigError>();
        options.Validate("link", errors);
        var fromConnection = options.ToConnectionOptions("st-01", null).Validate().Select(p => $"link:{p.Field}").ToList();

        Assert.Equal(4, fromConnection.Count);
        Assert.Equal(fromConnection.Order(), errors.Select(e => e.Path).Order());
    }

    [Fact]
    public void Protocol_Version_3_1_1_Gives_A_Clean_Session_And_5_A_Persistent_One()
    {
        var v5 = new LinkOptions().ToConnectionOptions("st-01", null);
        var v311 = new LinkOptions { ProtocolVersion = "3.1.1" }.ToConnectionOptions("st-01", null);
        Assert.Equal((MqttProtocol.V5, false, TimeSpan.FromHours(1)), (v5.Protocol, v5.CleanSession, v5.SessionExpiry));
        Assert.Equal((MqttProtocol.V311, true), (v311.Protocol, v311.CleanSession));
    }

    [Fact]
    public void The_System_Trust_Store_Alone_Is_Enough_To_Turn_On_Tls()
    {
        var tls = new LinkOptions { TlsUseSystemTrust = true }.ToConnectionOptions("st-01", null).Tls;
        Assert.NotNull(tls);
        Assert.True(tls.UseSystemTrust);
        Assert.Null(new LinkOptions().ToConnectionOptions("st-01", null).Tls);
        var errors = new List<ConfigError>();
        new LinkOptions { TlsUseSystemTrust = true, TlsPfxFile = "c.pfx" }.Validate("link", errors);
        Assert.Empty(errors);
    }

    [Fact]
    public void ToString_Leaves_The_Password_Passphrases_And_Hmac_Key_Out()
    {
        var options = new LinkOptions
        {
            Username = "st-07", Password = "hunter2", CommandHmacKeyHex = new string('a', 64),
            TlsCaFile = "ca.pem", TlsCertFile = "c.pem", TlsKeyFile = "c.key", TlsKeyPassphrase = "key-secret",
        };
        var text = options.ToString() + options.ToConnectionOptions("st-07", new MqttWill("t", [])).ToString();
        Assert.DoesNotContain("hunter2", text);
        Assert.DoesNotContain("key-secret", text);
        Assert.DoesNotContain(new string('a', 64), text);
        Assert.Contains("commands=signed", text);
        Assert.Contains("passphrase=***", text);
    }
}
