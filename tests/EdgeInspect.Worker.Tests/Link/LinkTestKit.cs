using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EdgeInspect.Core.Messages;
using EdgeInspect.Native.Mosquitto;
using EdgeInspect.Worker.Link;

namespace EdgeInspect.Worker.Tests.Link;

/// <summary>One received message with its envelope header read back.</summary>
internal sealed record Received(string Topic, EnvelopeHeader Header, JsonElement Body, bool Retain);

/// <summary>
/// What a plant gateway sees: a real MQTT subscriber with a fixed client id and a persistent session (3.1.1,
/// clean_session=false), so with a persistent broker nothing is lost while either side is away.
/// </summary>
internal sealed class GatewaySubscriber : IDisposable
{
    private readonly MosquittoClient _client;

    private GatewaySubscriber(MosquittoClient client) => _client = client;

    public ConcurrentQueue<Received> Messages { get; } = new();

    public static async Task<GatewaySubscriber> StartAsync(int port, string filter, string clientId = "gateway")
    {
        var client = new MosquittoClient(new MosquittoClientOptions
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
        client.Subscribe(filter, 1);
        client.Start();
        Assert.True(await client.WaitConnectedAsync(TimeSpan.FromSeconds(10)), "the test subscriber could not connect");
        await Task.Delay(150); // SUBACK
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

    public void Dispose() => _client.Dispose();

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

internal static class LinkTestKit
{
    public static LinkOptions Options(string outboxPath, int port, string device = "st-01") => new()
    {
        Host = "127.0.0.1",
        Port = port,
        DeviceId = device,
        Prefix = "ei",
        Site = "plant",
        Area = "assembly",
        Line = "line-1",
        Station = device,
        OutboxPath = outboxPath,
        ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
        ReconnectDelayMax = TimeSpan.FromMilliseconds(300),
        ConnectTimeout = TimeSpan.FromSeconds(3),
        ShutdownFlushTimeout = TimeSpan.FromSeconds(10),
    };

    public static byte[] Result(int part) => Encoding.UTF8.GetBytes($"{{\"partId\":\"p-{part:D6}\",\"decision\":\"pass\",\"score\":0.01}}");

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
