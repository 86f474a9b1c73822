using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.Sparkplug.Protocol;
using Google.Protobuf;

namespace EdgeInspect.Worker.Tests.Sparkplug;

/// <summary>One Sparkplug message as the test host received it, decoded with the same .proto the station uses.</summary>
internal sealed record SparkplugMessage(int Index, string Topic, string Verb, string? Device, Payload Payload, byte[] Raw, bool Retain)
{
    public ulong? Seq => Payload.HasSeq ? Payload.Seq : null;

    /// <summary>The bdSeq metric of an NBIRTH or NDEATH.</summary>
    public long BdSeq => (long)Payload.Metrics.Single(m => m.Name == "bdSeq").LongValue;

    public bool IsData => Verb is "NDATA" or "DDATA";

    public bool IsNodeMessage => Verb != "STATE" && Verb != "NCMD" && Verb != "DCMD";

    /// <summary>Name → alias of a birth.</summary>
    public Dictionary<string, ulong> Aliases => Payload.Metrics.ToDictionary(m => m.Name, m => m.Alias);

    public Payload.Types.Metric Metric(string name) => Payload.Metrics.Single(m => m.Name == name);
}

/// <summary>
/// A Sparkplug host application written for the tests: a real MQTT client subscribed to the group's whole namespace,
/// decoding each payload with the generated <see cref="Payload"/> parser, resolving aliases through the latest
/// births, and able to publish its STATE (retained, JSON) and NCMDs, as Ignition or any Sparkplug host would.
/// </summary>
internal sealed class SparkplugHost : IAsyncDisposable
{
    private readonly MqttConnection _client;
    private readonly string _group;
    private int _index;

    private SparkplugHost(MqttConnection client, string group)
    {
        _client = client;
        _group = group;
    }

    /// <summary>A broker that keeps sessions over a restart and queues QoS 0 messages for a persistent host that is away.</summary>
    public static MosquittoBrokerOptions QueueWhileAway { get; } = new() { Persistence = true, ExtraLines = ["queue_qos0_messages true"] };

    public ConcurrentQueue<SparkplugMessage> Messages { get; } = new();

    /// <summary>The NCMDs this host sent (topic, payload).</summary>
    public ConcurrentQueue<(string Topic, Payload Payload)> Sent { get; } = new();

    /// <summary>The STATE messages this host published (topic, JSON).</summary>
    public ConcurrentQueue<(string Topic, string Json)> States { get; } = new();

    /// <summary>Messages that failed to decode (would fail any real host).</summary>
    public ConcurrentQueue<string> Undecodable { get; } = new();

    /// <param name="port">The broker.</param>
    /// <param name="group">The Sparkplug group to watch.</param>
    /// <param name="clientId">The host's client id.</param>
    /// <param name="persistent">
    /// Keep the subscription in the broker while the host is away (with a persistent broker and
    /// <see cref="QueueWhileAway"/>), so a test that restarts the broker sees what the node publishes before the host
    /// is back. A real host would ask for a rebirth instead; this keeps the test deterministic.
    /// </param>
    public static async Task<SparkplugHost> StartAsync(int port, string group, string clientId = "sparkplug-test-host", bool persistent = false)
    {
        var client = new MqttConnection(new MqttConnectionOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ClientId = clientId,
            CleanSession = !persistent,
            SessionExpiry = persistent ? TimeSpan.FromHours(1) : TimeSpan.Zero,
            ReconnectDelayMin = TimeSpan.FromMilliseconds(50),
            ReconnectDelayMax = TimeSpan.FromMilliseconds(300),
        });
        var host = new SparkplugHost(client, group);
        client.MessageReceived += host.OnMessage;
        client.Subscribe($"spBv1.0/{group}/#");
        client.Start();
        Assert.True(await client.WaitConnectedAsync(TimeSpan.FromSeconds(10)), "the test host could not connect");
        return host;
    }

    public bool IsConnected => _client.IsConnected;

    public Task<bool> WaitConnectedAsync(TimeSpan timeout) => _client.WaitConnectedAsync(timeout);

    public IEnumerable<SparkplugMessage> Of(string verb) => Messages.Where(m => m.Verb == verb);

    /// <summary>Waits until a message matches; a counter-with-timeout wait on the arriving messages.</summary>
    public async Task<SparkplugMessage> WaitForAsync(Func<SparkplugMessage, bool> match, TimeSpan timeout, string? what = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Messages.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"no {what ?? "matching message"} within {timeout}; got {Messages.Count}: "
            + string.Join(", ", Messages.TakeLast(12).Select(m => $"{m.Verb}{(m.Device is null ? "" : "/" + m.Device)} seq={m.Seq}")));
    }

    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string>? explain = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"condition not met within {timeout}. {explain?.Invoke()}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>The host's STATE, as Sparkplug 3.0 has it: retained, QoS 1, UTF-8 JSON.</summary>
    public async Task PublishStateAsync(string hostId, bool online, long timestamp)
    {
        var json = $"{{\"online\":{(online ? "true" : "false")},\"timestamp\":{timestamp}}}";
        States.Enqueue(($"spBv1.0/STATE/{hostId}", json));
        var outcome = await _client.PublishAsync($"spBv1.0/STATE/{hostId}", Encoding.UTF8.GetBytes(json), retain: true);
        Assert.True(outcome.IsAcknowledged, outcome.ToString());
    }

    /// <summary>An NCMD: QoS 0, not retained, metrics by name (or by alias when <paramref name="byAlias"/> is given).</summary>
    public async Task SendCommandAsync(string edgeNode, Payload.Types.Metric metric, bool retain = false)
    {
        var payload = new Payload { Timestamp = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        payload.Metrics.Add(metric);
        Sent.Enqueue(($"spBv1.0/{_group}/NCMD/{edgeNode}", payload));
        var outcome = await _client.PublishAsync($"spBv1.0/{_group}/NCMD/{edgeNode}", payload.ToByteArray(), retain: retain, atMostOnce: !retain);
        Assert.True(outcome.IsAcknowledged, outcome.ToString());
    }

    public static Payload.Types.Metric Rebirth() => new() { Name = "Node Control/Rebirth", Datatype = (uint)DataType.Boolean, BooleanValue = true };

    public static Payload.Types.Metric Mode(string mode) => new() { Name = "Node Control/Mode", Datatype = (uint)DataType.String, StringValue = mode };

    /// <summary>The metric of a data message resolved to its name through the latest birth before it.</summary>
    public string NameOf(SparkplugMessage data, Payload.Types.Metric metric)
    {
        var birthVerb = data.Device is null ? "NBIRTH" : "DBIRTH";
        var birth = Messages.Where(m => m.Index < data.Index && m.Verb == birthVerb && m.Device == data.Device).LastOrDefault()
            ?? throw new InvalidOperationException($"{data.Verb} #{data.Index} came before any {birthVerb}");
        return birth.Payload.Metrics.Single(m => m.Alias == metric.Alias).Name;
    }

    /// <summary>The value of a named metric in a data message, or null when it is not in it.</summary>
    public Payload.Types.Metric? Find(SparkplugMessage data, string name) => data.Payload.Metrics.FirstOrDefault(m => NameOf(data, m) == name);

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private void OnMessage(MqttMessage message)
    {
        var levels = message.Topic.Split('/');
        if (levels.Length < 3)
        {
            return;
        }

        var verb = levels[0] == "spBv1.0" && levels[1] == "STATE" ? "STATE" : levels[2];
        if (verb == "STATE")
        {
            return;
        }

        Payload payload;
        try
        {
            payload = Payload.Parser.ParseFrom(message.Payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            Undecodable.Enqueue($"{message.Topic}: {e.Message}");
            return;
        }

        Messages.Enqueue(new SparkplugMessage(Interlocked.Increment(ref _index), message.Topic, verb, levels.Length > 4 ? levels[4] : null, payload, message.Payload, message.Retain));
    }
}
