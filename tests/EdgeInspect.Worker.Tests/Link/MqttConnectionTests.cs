using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Link.Mqtt;

namespace EdgeInspect.Worker.Tests.Link;

/// <summary>The MQTT connection on MQTTnet against a real mosquitto (and MQTTnet's own server where mosquitto cannot play the part).</summary>
[Trait("Category", "Integration")]
public sealed class MqttConnectionTests
{
    private static MqttConnectionOptions Options(int port, string id, MqttProtocol protocol = MqttProtocol.V5) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = id,
        Protocol = protocol,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
        ReconnectDelayMax = TimeSpan.FromMilliseconds(500),
    };

    [Theory]
    [InlineData(MqttProtocol.V5)]
    [InlineData(MqttProtocol.V311)]
    public async Task A_Published_Message_Reaches_A_Subscriber_With_Its_Topic_And_Payload_And_The_Puback_Is_The_Result(MqttProtocol protocol)
    {
        using var broker = await MosquittoBroker.StartAsync();
        var received = new BlockingCollection<MqttMessage>();
        await using var subscriber = new MqttConnection(Options(broker.Port, "sub", protocol));
        subscriber.MessageReceived += received.Add;
        subscriber.Subscribe("t/#");
        subscriber.Start();
        Assert.True(await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5)), broker.Log);

        await using var publisher = new MqttConnection(Options(broker.Port, "pub", protocol));
        publisher.Start();
        Assert.True(await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(5)));
        var outcome = await publisher.PublishAsync("t/a", "héllo"u8.ToArray(), retain: false, TimeSpan.FromMinutes(1)).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(PublishStatus.Acknowledged, outcome.Status);
        Assert.Equal(0, outcome.ReasonCode);
        Assert.True(received.TryTake(out var message, TimeSpan.FromSeconds(5)), "no message arrived");
        Assert.Equal("t/a", message.Topic);
        Assert.Equal("héllo", Encoding.UTF8.GetString(message.Payload));
        Assert.Equal(0, publisher.CallbackFaults + subscriber.CallbackFaults);
    }

    [Fact]
    public async Task Publishing_While_Not_Connected_Says_So_Instead_Of_Throwing()
    {
        await using var client = new MqttConnection(Options(LinkTestKit.FreePort(), "idle"));
        var outcome = await client.PublishAsync("t/a", new byte[] { 1 });
        Assert.Equal(PublishStatus.NotConnected, outcome.Status);
    }

    [Fact]
    public async Task A_Closed_Port_Is_Reported_As_Connection_Refused_And_Retried()
    {
        var reasons = new BlockingCollection<MqttConnectionLost>();
        await using var client = new MqttConnection(Options(LinkTestKit.FreePort(), "refused"));
        client.ConnectionLost += reasons.Add;
        client.Start();

        Assert.True(reasons.TryTake(out var first, TimeSpan.FromSeconds(5)));
        Assert.Contains("Connection refused", first.Reason);
        Assert.Contains("errno 111", first.Reason);
        Assert.False(first.IsTlsProblem);
        Assert.True(reasons.TryTake(out _, TimeSpan.FromSeconds(5)), "the client did not retry");
    }

    [Fact]
    public async Task A_Silent_Peer_Is_Abandoned_By_The_Connect_Watchdog()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(); // accepts TCP, never answers CONNECT
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var reasons = new BlockingCollection<MqttConnectionLost>();
        var options = Options(port, "silent") with { ConnectTimeout = TimeSpan.FromMilliseconds(500) };
        await using var client = new MqttConnection(options);
        client.ConnectionLost += reasons.Add;
        var clock = Stopwatch.StartNew();
        client.Start();

        Assert.True(reasons.TryTake(out var reason, TimeSpan.FromSeconds(5)), "the watchdog did not fire");
        Assert.Contains("connect watchdog", reason.Reason);
        // Not before the watchdog's time (less the timer's granularity: .NET timers may fire a fraction of a ms early).
        Assert.InRange(clock.Elapsed, options.ConnectTimeout - TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(5));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task The_Client_Reconnects_And_Resubscribes_After_The_Broker_Restarts()
    {
        using var broker = await MosquittoBroker.StartAsync();
        var received = new BlockingCollection<MqttMessage>();
        await using var subscriber = new MqttConnection(Options(broker.Port, "resub"));
        subscriber.MessageReceived += received.Add;
        subscriber.Subscribe("r/#");
        subscriber.Start();
        Assert.True(await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5)));

        broker.Stop();
        await LinkTestKit.WaitUntil(() => !subscriber.IsConnected, TimeSpan.FromSeconds(5));
        await broker.RestartAsync();
        await LinkTestKit.WaitUntil(() => subscriber.IsConnected && subscriber.Generation == 2, TimeSpan.FromSeconds(10));

        await using var publisher = new MqttConnection(Options(broker.Port, "pub2"));
        publisher.Start();
        Assert.True(await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(5)));
        Assert.True((await publisher.PublishAsync("r/x", "after restart"u8.ToArray())).IsAcknowledged);
        Assert.True(received.TryTake(out var message, TimeSpan.FromSeconds(5)), "no message after the restart: not resubscribed");
        Assert.Equal("after restart", Encoding.UTF8.GetString(message.Payload));
    }

    [Fact]
    public async Task The_Broker_Receive_Maximum_Is_Read_From_Every_Connack()
    {
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { ExtraLines = ["max_inflight_messages 7"] });
        var sessions = new BlockingCollection<MqttSession>();
        await using var client = new MqttConnection(Options(broker.Port, "rm"));
        client.Connected += sessions.Add;
        client.Start();

        Assert.True(sessions.TryTake(out var session, TimeSpan.FromSeconds(5)), broker.Log);
        Assert.Equal(7, session.ReceiveMaximum);
        Assert.Equal(7, client.ReceiveMaximum);
    }

    [Fact]
    public async Task A_Publish_The_Broker_Acl_Denies_Is_Refused_With_Its_Reason_Code_Not_Thrown()
    {
        using var dir = new TempDirectory("ei-acl");
        var acl = dir.File("acl");
        await File.WriteAllTextAsync(acl, "topic readwrite allowed/#\n");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { ExtraLines = [$"acl_file {acl}"] });
        await using var client = new MqttConnection(Options(broker.Port, "acl"));
        client.Start();
        Assert.True(await client.WaitConnectedAsync(TimeSpan.FromSeconds(5)), broker.Log);

        var denied = await client.PublishAsync("denied/x", new byte[] { 1 });
        var allowed = await client.PublishAsync("allowed/x", new byte[] { 1 });

        Assert.Equal((PublishStatus.Refused, 0x87), (denied.Status, denied.ReasonCode));
        Assert.Contains("NotAuthorized", denied.Detail);
        // Nobody subscribed: 0x10, still a success (the broker has the message).
        Assert.Equal((PublishStatus.Acknowledged, 0x10), (allowed.Status, allowed.ReasonCode));
    }

    [Fact]
    public async Task With_The_Test_CA_A_TLS_Client_Connects_And_Publishes()
    {
        using var dir = new TempDirectory("ei-tls");
        var certs = TestCertificates.Create(dir.Path);
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Tls = new BrokerTls(certs.CaFile, certs.ServerCert, certs.ServerKey) });

        await using var client = new MqttConnection(Options(broker.Port, "tls-ok") with { Tls = new MqttTls { CaFile = certs.CaFile } });
        client.Start();
        Assert.True(await client.WaitConnectedAsync(TimeSpan.FromSeconds(10)), broker.Log);
        Assert.True((await client.PublishAsync("tls/t", "secure"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(5))).IsAcknowledged);
    }

    [Fact]
    public async Task With_The_Wrong_CA_The_TLS_Error_Is_Clear_Within_The_Watchdog_Time()
    {
        using var dir = new TempDirectory("ei-tls");
        var certs = TestCertificates.Create(dir.Path, "right");
        var other = TestCertificates.Create(dir.Path, "wrong");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Tls = new BrokerTls(certs.CaFile, certs.ServerCert, certs.ServerKey) });

        var lost = new BlockingCollection<MqttConnectionLost>();
        var options = Options(broker.Port, "tls-bad") with { Tls = new MqttTls { CaFile = other.CaFile } };
        await using var client = new MqttConnection(options);
        client.ConnectionLost += lost.Add;
        var clock = Stopwatch.StartNew();
        client.Start();

        Assert.True(lost.TryTake(out var reason, options.ConnectTimeout + TimeSpan.FromSeconds(1)), "no error within the watchdog time");
        Assert.True(clock.Elapsed <= options.ConnectTimeout + TimeSpan.FromSeconds(1));
        Assert.True(reason.IsTlsProblem, reason.Reason);
        Assert.Contains(other.CaFile, reason.Reason);
        Assert.Contains("does not verify", reason.Reason);
        Assert.False(client.IsConnected);
    }

    public static TheoryData<string> ClientKeyForms => ["pem", "pem-encrypted", "pfx"];

    [Theory]
    [MemberData(nameof(ClientKeyForms))]
    public async Task A_Broker_That_Requires_A_Client_Certificate_Accepts_Each_Key_Form(string form)
    {
        using var dir = new TempDirectory("ei-mtls");
        var certs = TestCertificates.Create(dir.Path);
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Tls = new BrokerTls(certs.CaFile, certs.ServerCert, certs.ServerKey, RequireClientCertificate: true) });
        var tls = form switch
        {
            "pem" => new MqttTls { CaFile = certs.CaFile, CertFile = certs.ClientCert, KeyFile = certs.ClientKey },
            "pem-encrypted" => new MqttTls { CaFile = certs.CaFile, CertFile = certs.ClientCert, KeyFile = certs.ClientKeyEncrypted, KeyPassphrase = TestCertificates.KeyPassphrase },
            _ => new MqttTls { CaFile = certs.CaFile, PfxFile = certs.ClientPfx, PfxPassphrase = TestCertificates.PfxPassphrase },
        };

        await using var client = new MqttConnection(Options(broker.Port, "mtls-" + form) with { Tls = tls });
        client.Start();
        Assert.True(await client.WaitConnectedAsync(TimeSpan.FromSeconds(10)), broker.Log);
        Assert.True((await client.PublishAsync("tls/t", "mutual"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(5))).IsAcknowledged);
        Assert.DoesNotContain(TestCertificates.KeyPassphrase, client.Options.ToString());
        Assert.DoesNotContain(TestCertificates.PfxPassphrase, client.Options.ToString());
    }

    [Fact]
    public async Task Without_A_Client_Certificate_A_Broker_That_Requires_One_Is_Reported_As_A_Tls_Problem()
    {
        using var dir = new TempDirectory("ei-mtls");
        var certs = TestCertificates.Create(dir.Path);
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Tls = new BrokerTls(certs.CaFile, certs.ServerCert, certs.ServerKey, RequireClientCertificate: true) });
        var lost = new BlockingCollection<MqttConnectionLost>();
        await using var client = new MqttConnection(Options(broker.Port, "no-cert") with { Tls = new MqttTls { CaFile = certs.CaFile } });
        client.ConnectionLost += lost.Add;
        client.Start();

        Assert.True(lost.TryTake(out var reason, TimeSpan.FromSeconds(5)));
        Assert.True(reason.IsTlsProblem, reason.Reason);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public void Unusable_Tls_Files_Stop_The_Connection_At_Creation_Naming_The_File_And_The_Fix()
    {
        using var dir = new TempDirectory("ei-tls-files");
        var certs = TestCertificates.Create(dir.Path);
        MqttSetupException Refused(MqttTls tls) => Assert.Throws<MqttSetupException>(() => new MqttConnection(Options(1883, "x") with { Tls = tls }));

        var missing = Refused(new MqttTls { CaFile = dir.File("nope.crt") });
        Assert.Contains("link:tlsCaFile", missing.Message);
        Assert.Contains("nope.crt", missing.Message);

        var wrongPassphrase = Refused(new MqttTls { CaFile = certs.CaFile, CertFile = certs.ClientCert, KeyFile = certs.ClientKeyEncrypted, KeyPassphrase = "n0t-th1s-one" });
        Assert.Contains("check link:tlsKeyPassphrase", wrongPassphrase.Message);
        Assert.DoesNotContain("n0t-th1s-one", wrongPassphrase.Message);

        var noPassphrase = Refused(new MqttTls { CaFile = certs.CaFile, CertFile = certs.ClientCert, KeyFile = certs.ClientKeyEncrypted });
        Assert.Contains("set link:tlsKeyPassphrase", noPassphrase.Message);

        var legacy = Refused(new MqttTls { CaFile = certs.CaFile, CertFile = certs.ClientCert, KeyFile = certs.ClientKeyLegacyEncrypted, KeyPassphrase = TestCertificates.KeyPassphrase });
        Assert.Contains("openssl pkcs8 -topk8", legacy.Message);

        var pfx = Refused(new MqttTls { CaFile = certs.CaFile, PfxFile = certs.ClientPfx, PfxPassphrase = "wrong" });
        Assert.Contains("check link:tlsPfxPassphrase", pfx.Message);
    }

    [Fact]
    public async Task Against_A_Broker_That_Speaks_Only_3_1_1_A_3_1_1_Client_Works_And_A_V5_Client_Is_Told_Why_Not()
    {
        await using var broker = await Mqtt311OnlyBroker.StartAsync();
        var lost = new BlockingCollection<MqttConnectionLost>();
        await using var v5 = new MqttConnection(Options(broker.Port, "v5"));
        v5.ConnectionLost += lost.Add;
        v5.Start();
        Assert.True(lost.TryTake(out var refusal, TimeSpan.FromSeconds(5)));
        Assert.Contains("UnsupportedProtocolVersion", refusal.Reason);
        Assert.Contains("protocolVersion", refusal.Reason);
        Assert.False(v5.IsConnected);

        var received = new BlockingCollection<MqttMessage>();
        await using var subscriber = new MqttConnection(Options(broker.Port, "sub311", MqttProtocol.V311));
        subscriber.MessageReceived += received.Add;
        subscriber.Subscribe("old/#");
        subscriber.Start();
        await using var publisher = new MqttConnection(Options(broker.Port, "pub311", MqttProtocol.V311));
        publisher.Start();
        Assert.True(await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(5)));
        var outcome = await publisher.PublishAsync("old/t", "3.1.1"u8.ToArray(), messageExpiry: TimeSpan.FromMinutes(1));

        Assert.True(outcome.IsAcknowledged, outcome.ToString());
        Assert.True(received.TryTake(out var message, TimeSpan.FromSeconds(5)));
        Assert.Equal("3.1.1", Encoding.UTF8.GetString(message.Payload));
        Assert.Contains(MQTTnet.Formatter.MqttProtocolVersion.V500, broker.Refused);
    }

    [Fact]
    public void Options_Never_Print_The_Password()
    {
        var options = Options(1883, "x") with { Username = "station", Password = "hunter2" };
        Assert.DoesNotContain("hunter2", options.ToString());
        Assert.Contains("user=station", options.ToString());
    }

    [Fact]
    public void Invalid_Option_Combinations_Are_Refused_Before_The_Loop_Starts()
    {
        var error = Assert.Throws<ArgumentException>(() => new MqttConnection(Options(0, "x") with { Password = "p", Tls = new MqttTls { CertFile = "c.pem" } }));
        Assert.Contains("port is 0", error.Message);
        Assert.Contains("password is set without a username", error.Message);
        Assert.Contains("tlsKeyFile is missing", error.Message);
        Assert.Contains("tlsCaFile is missing", error.Message);
    }
}
