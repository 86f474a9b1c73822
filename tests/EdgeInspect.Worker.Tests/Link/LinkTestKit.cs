using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Configuration;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeInspect.Worker.Tests.Link;

/// <summary>One received message with its envelope header read back.</summary>
internal sealed record Received(string Topic, EnvelopeHeader Header, JsonElement Body, bool Retain);

/// <summary>
/// What a plant gateway sees: a real MQTT subscriber with a fixed client id and a persistent session (3.1.1,
/// clean_session=false), so with a persistent broker nothing is lost while either side is away.
/// </summary>
internal sealed class GatewaySubscriber : IAsyncDisposable
{
    private readonly MqttConnection _client;

    private GatewaySubscriber(MqttConnection client) => _client = client;

    public ConcurrentQueue<Received> Messages { get; } = new();

    public static async Task<GatewaySubscriber> StartAsync(int port, string filter, string clientId = "gateway")
    {
        var client = new MqttConnection(new MqttConnectionOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ClientId = clientId,
            CleanSession = false,
            Protocol = MqttProtocol.V311,
            ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
            ReconnectDelayMax = TimeSpan.FromMilliseconds(300),
        });
        var subscriber = new GatewaySubscriber(client);
        client.MessageReceived += subscriber.OnMessage;
        client.Subscribe(filter);
        client.Start();
        // Connected is reported after the SUBACK: from here on nothing published is missed.
        Assert.True(await client.WaitConnectedAsync(TimeSpan.FromSeconds(10)), "the test subscriber could not connect");
        return subscriber;
    }

    public IEnumerable<Received> On(string topic) => Messages.Where(m => m.Topic == topic);

    public async Task<Received> WaitForAsync(Func<Received, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Messages.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no matching message within {timeout}; got {Messages.Count}: {string.Join(", ", Messages.Take(10).Select(m => m.Topic))}");
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private void OnMessage(MqttMessage message)
    {
        if (message.Payload.Length == 0)
        {
            return;
        }

        using var doc = JsonDocument.Parse(message.Payload);
        Assert.True(Envelope.TryReadHeader(message.Payload, out var header), Encoding.UTF8.GetString(message.Payload));
        Messages.Enqueue(new Received(message.Topic, header, doc.RootElement.GetProperty("body").Clone(), message.Retain));
    }
}

/// <summary>
/// A broker that speaks only MQTT 3.1.1, as old plant brokers do: MQTTnet's server in this process on a loopback
/// port, refusing every other protocol version with UnsupportedProtocolVersion. (mosquitto cannot be limited to 3.1.1.)
/// </summary>
internal sealed class Mqtt311OnlyBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private Mqtt311OnlyBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Protocol versions of the CONNECTs it refused.</summary>
    public ConcurrentQueue<MqttProtocolVersion> Refused { get; } = new();

    public static async Task<Mqtt311OnlyBroker> StartAsync()
    {
        var port = LinkTestKit.FreePort();
        var options = new MqttServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port).Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var broker = new Mqtt311OnlyBroker(server, port);
        server.ValidatingConnectionAsync += e =>
        {
            if (e.ProtocolVersion != MqttProtocolVersion.V311)
            {
                broker.Refused.Enqueue(e.ProtocolVersion);
                e.ReasonCode = MqttConnectReasonCode.UnsupportedProtocolVersion;
            }

            return Task.CompletedTask;
        };
        await server.StartAsync();
        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptions());
        _server.Dispose();
    }
}

internal static class LinkTestKit
{
    public const string Base = "ei/plant/assembly/line-1/st-01";

    public static StationIdentityOptions Identity(string device = "st-01") => new()
    {
        DeviceId = device, Site = "plant", Area = "assembly", Line = "line-1", Name = device, ConfigRevision = "test",
    };

    public static LinkOptions Options(int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Prefix = "ei",
        ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
        ReconnectDelayMax = TimeSpan.FromMilliseconds(300),
        ConnectTimeout = TimeSpan.FromSeconds(3),
        ShutdownFlushTimeout = TimeSpan.FromSeconds(10),
    };

    public static OutboxOptions OutboxAt(string path) => new() { Path = path };

    public static Outbox OpenOutbox(string path, string device = "st-01") => Outbox.Open(OutboxAt(path), device);

    public static byte[] Result(int part) => Encoding.UTF8.GetBytes($"{{\"partId\":\"p-{part:D6}\",\"decision\":\"pass\",\"score\":0.01}}");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string>? explain = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"condition not met within {timeout}. {explain?.Invoke()}");
            }

            await Task.Delay(20);
        }
    }
}
