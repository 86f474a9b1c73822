using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeInspect.Native.Mosquitto;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Mosquitto;

[Trait("Category", "Integration")]
public sealed class MosquittoClientTests
{
    private static MosquittoClientOptions Options(int port, string id, MqttProtocol protocol = MqttProtocol.V5) => new()
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
    public async Task A_Published_Message_Reaches_A_Subscriber_With_Its_Topic_And_Payload(MqttProtocol protocol)
    {
        using var broker = await MosquittoBroker.StartAsync();
        var received = new BlockingCollection<MqttMessage>();
        using var subscriber = new MosquittoClient(Options(broker.Port, "sub", protocol));
        subscriber.MessageReceived += received.Add;
        subscriber.Subscribe("t/#", 1);
        subscriber.Start();
        Assert.True(await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5)), broker.Log);
        await Task.Delay(100); // SUBACK

        var acked = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var publisher = new MosquittoClient(Options(broker.Port, "pub", protocol));
        publisher.PublishCompleted += (mid, _) => acked.TrySetResult(mid);
        publisher.Start();
        Assert.True(await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(5)));
        var mid = publisher.Publish("t/a", "héllo"u8, 1, false, TimeSpan.FromMinutes(1));

        Assert.True(received.TryTake(out var message, TimeSpan.FromSeconds(5)), "no message arrived");
        Assert.Equal("t/a", message.Topic);
        Assert.Equal("héllo", Encoding.UTF8.GetString(message.Payload));
        Assert.Equal(mid, await acked.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, publisher.CallbackFaults + subscriber.CallbackFaults);
    }

    [Fact]
    public async Task A_Closed_Port_Is_Reported_As_Connection_Refused_And_Retried()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var reasons = new BlockingCollection<MqttConnectionLost>();
        using var client = new MosquittoClient(Options(port, "refused"));
        client.ConnectionLost += reasons.Add;
        client.Start();

        Assert.True(reasons.TryTake(out var first, TimeSpan.FromSeconds(5)));
        Assert.Contains("MOSQ_ERR_ERRNO", first.Reason);
        Assert.Contains("errno 111", first.Reason);
        Assert.True(reasons.TryTake(out _, TimeSpan.FromSeconds(5)), "the client did not retry");
    }

    [Fact]
    public async Task The_Client_Reconnects_And_Resubscribes_After_The_Broker_Restarts()
    {
        using var broker = await MosquittoBroker.StartAsync();
        var received = new BlockingCollection<MqttMessage>();
        using var subscriber = new MosquittoClient(Options(broker.Port, "resub"));
        subscriber.MessageReceived += received.Add;
        subscriber.Subscribe("r/#", 1);
        subscriber.Start();
        Assert.True(await subscriber.WaitConnectedAsync(TimeSpan.FromSeconds(5)));

        broker.Stop();
        await WaitUntil(() => !subscriber.IsConnected, TimeSpan.FromSeconds(5));
        await broker.RestartAsync();
        await WaitUntil(() => subscriber.IsConnected && subscriber.Generation == 2, TimeSpan.FromSeconds(10));
        await Task.Delay(100);

        using var publisher = new MosquittoClient(Options(broker.Port, "pub2"));
        publisher.Start();
        Assert.True(await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(5)));
        publisher.Publish("r/x", "after restart"u8);
        Assert.True(received.TryTake(out var message, TimeSpan.FromSeconds(5)), "no message after the restart: not resubscribed");
        Assert.Equal("after restart", Encoding.UTF8.GetString(message.Payload));
    }

    [Fact]
    public async Task With_The_Test_CA_A_TLS_Client_Connects_And_Publishes()
    {
        using var dir = new TempDirectory("ei-tls");
        var certs = TestCertificates.Create(dir.Path);
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Tls = new BrokerTls(certs.CaFile, certs.ServerCert, certs.ServerKey) });

        var acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new MosquittoClient(Options(broker.Port, "tls-ok") with { Tls = new MqttTls(certs.CaFile) });
        client.PublishCompleted += (_, _) => acked.TrySetResult();
        client.Start();
        Assert.True(await client.WaitConnectedAsync(TimeSpan.FromSeconds(10)), broker.Log);
        client.Publish("tls/t", "secure"u8);
        await acked.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task With_The_Wrong_CA_The_TLS_Error_Is_Clear_Within_The_Watchdog_Time()
    {
        using var dir = new TempDirectory("ei-tls");
        var certs = TestCertificates.Create(dir.Path, "right");
        var other = TestCertificates.Create(dir.Path, "wrong");
        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { Tls = new BrokerTls(certs.CaFile, certs.ServerCert, certs.ServerKey) });

        var lost = new BlockingCollection<MqttConnectionLost>();
        var options = Options(broker.Port, "tls-bad") with { Tls = new MqttTls(other.CaFile) };
        using var client = new MosquittoClient(options);
        client.ConnectionLost += lost.Add;
        var clock = Stopwatch.StartNew();
        client.Start();

        Assert.True(lost.TryTake(out var reason, options.ConnectTimeout + TimeSpan.FromSeconds(1)), "no error within the watchdog time");
        Assert.True(clock.Elapsed <= options.ConnectTimeout + TimeSpan.FromSeconds(1));
        Assert.True(reason.IsTlsProblem, reason.Reason);
        Assert.Contains(other.CaFile, reason.Reason);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public void Options_Never_Print_The_Password()
    {
        var options = Options(1883, "x") with { Username = "station", Password = "hunter2" };
        Assert.DoesNotContain("hunter2", options.ToString());
        Assert.Contains("user=station", options.ToString());
    }

    [Fact]
    public void Invalid_Option_Combinations_Are_Refused_Before_Any_Thread_Starts()
    {
        var error = Assert.Throws<ArgumentException>(() => new MosquittoClient(Options(0, "x") with { Password = "p" }));
        Assert.Contains("Port 0", error.Message);
        Assert.Contains("a Password needs a Username", error.Message);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
