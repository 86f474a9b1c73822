using System.Text.Json;
using System.Threading.Channels;
using EdgeInspect.Core.Messages;
using EdgeInspect.Native.Mosquitto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Link;

/// <summary>
/// Moves records from the <see cref="Outbox"/> to the broker, and commands from the broker to the
/// <see cref="CommandDispatcher"/>. On every (re)connect: retained birth on <c>status</c>, every retained state again,
/// then the outbox from its oldest record, in seq order. A record is deleted only after its PUBACK.
/// </summary>
/// <remarks>
/// Threading: <see cref="RunAsync"/> runs the drain loop and the command loop as tasks; libmosquitto's traffic runs on
/// the client's network thread. Delivery is at least once: after a reconnect, records whose PUBACK did not arrive are
/// published again, so subscribers dedup by (device, epoch, seq).
/// Shutdown (cancel the token): drain while the broker is reachable, up to <see cref="LinkOptions.ShutdownFlushTimeout"/>,
/// then a retained offline status, then DISCONNECT (so the broker does not also send the last will).
/// </remarks>
public sealed class LinkService
{
    private const int InflightWindow = 1000;
    private const int ReadBatch = 500;

    private readonly LinkOptions _options;
    private readonly Outbox _outbox;
    private readonly CommandDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly StationTopics _topics;
    private readonly Lock _inflightGate = new();
    private readonly Dictionary<int, long> _inflight = [];
    private readonly SemaphoreSlim _acked = new(0);
    private readonly Channel<MqttMessage> _commands = Channel.CreateBounded<MqttMessage>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.Wait });
    private MosquittoClient? _client;
    private int _generation;
    private long _cursor;
    private int _controlMid = -1;
    private TaskCompletionSource? _controlAck;
    private volatile StatusBody _status;

    public LinkService(LinkOptions options, Outbox outbox, CommandDispatcher dispatcher, ILogger<LinkService>? logger = null, TimeProvider? time = null)
    {
        _options = options;
        _outbox = outbox;
        _dispatcher = dispatcher;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _topics = options.Topics();
        _status = new StatusBody("online", $"edgeinspect {typeof(LinkService).Assembly.GetName().Version}");
    }

    public LinkCounters Counters { get; } = new();

    public bool IsConnected => _client?.IsConnected ?? false;

    /// <summary>Messages in flight (published, no PUBACK yet).</summary>
    public int Inflight
    {
        get
        {
            lock (_inflightGate)
            {
                return _inflight.Count;
            }
        }
    }

    /// <summary>The birth status (mode, model). Setting it republishes the retained status when connected.</summary>
    public StatusBody Status
    {
        get => _status;
        set
        {
            _status = value with { State = "online" };
            if (_client is { IsConnected: true } client)
            {
                PublishStatus(client, _status);
            }
        }
    }

    /// <summary>Runs the link until <paramref name="stoppingToken"/> is cancelled, then shuts down gracefully.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var will = new MqttWill(_topics.Status, StatusPayload(new StatusBody("offline", _status.Software, Reason: "connection lost (last will)")), 1, true);
        using var client = new MosquittoClient(_options.ToClientOptions(will));
        _client = client;
        client.Connected += generation =>
        {
            if (generation > 1)
            {
                Counters.AddReconnect();
            }

            _logger.LogInformation("Plant link connected to {Broker} (connection {Generation})", $"{_options.Host}:{_options.Port}", generation);
        };
        client.ConnectionLost += OnConnectionLost;
        client.PublishCompleted += OnPublishCompleted;
        client.MessageReceived += message =>
        {
            if (!_commands.Writer.TryWrite(message))
            {
                Counters.AddCommandDropped();
            }
        };
        _outbox.RetainedChanged += OnRetainedChanged;
        client.Subscribe(_topics.CommandFilter, 1);
        _logger.LogInformation("Plant link starting: {Link}", _options.ToString());
        client.Start();

        using var commandsStop = new CancellationTokenSource();
        var commandLoop = Task.Run(() => CommandLoopAsync(commandsStop.Token), CancellationToken.None);
        try
        {
            await DrainAsync(untilEmpty: false, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }

        using var flush = new CancellationTokenSource(_options.ShutdownFlushTimeout);
        try
        {
            // Between two reconnect attempts (or before the first connect of a short run) the broker may still be
            // reachable: give the client the flush window to reach it, rather than leaving records for the next start.
            if (!client.IsConnected && (_outbox.Depth > 0 || Inflight > 0))
            {
                await client.WaitConnectedAsync(_options.ShutdownFlushTimeout, flush.Token);
            }

            if (client.IsConnected)
            {
                await DrainAsync(untilEmpty: true, flush.Token);
            }
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Plant link stopping with {Depth} records still in the outbox; they are sent on the next start", _outbox.Depth);
        }

        commandsStop.Cancel();
        await commandLoop;
        _outbox.RetainedChanged -= OnRetainedChanged;
        if (client.IsConnected)
        {
            await PublishOfflineAsync(client);
        }

        _client = null;
        _logger.LogInformation("Plant link stopped: {Published} published, {Acked} acknowledged, {Depth} left in the outbox",
            Counters.Published, Counters.Acknowledged, _outbox.Depth);
    }

    private async Task DrainAsync(bool untilEmpty, CancellationToken cancellationToken)
    {
        var client = _client!;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!client.IsConnected)
            {
                if (untilEmpty)
                {
                    return;
                }

                await client.WaitConnectedAsync(TimeSpan.FromMilliseconds(250), cancellationToken);
                continue;
            }

            var generation = client.Generation;
            if (generation != _generation)
            {
                OnNewConnection(client, generation);
            }

            if (Inflight >= InflightWindow)
            {
                await _acked.WaitAsync(TimeSpan.FromMilliseconds(100), cancellationToken);
                continue;
            }

            var batch = _outbox.ReadAfter(_cursor, Math.Min(ReadBatch, InflightWindow - Inflight));
            if (batch.Count == 0)
            {
                if (untilEmpty && _outbox.Depth == 0 && Inflight == 0)
                {
                    return;
                }

                if (untilEmpty)
                {
                    await _acked.WaitAsync(TimeSpan.FromMilliseconds(50), cancellationToken);
                }
                else
                {
                    await _outbox.WaitForRecordsAsync(TimeSpan.FromMilliseconds(200), cancellationToken);
                }

                continue;
            }

            foreach (var record in batch)
            {
                int rc;
                lock (_inflightGate)
                {
                    // Under the same lock as the PUBACK callback: a PUBACK can never arrive before its mid is recorded.
                    rc = client.TryPublish(record.Topic, record.Payload, 1, false, record.Kind == MessageKind.Metrics ? _options.MetricsExpiry : null, out var mid);
                    if (rc == 0)
                    {
                        _inflight[mid] = record.Seq;
                    }
                }

                if (rc != 0)
                {
                    // Connection lost mid-batch: the next connection starts again from the oldest unacknowledged record.
                    await Task.Delay(50, cancellationToken);
                    break;
                }

                _cursor = record.Seq;
                Counters.AddPublished();
            }
        }
    }

    private void OnNewConnection(MosquittoClient client, int generation)
    {
        _generation = generation;
        lock (_inflightGate)
        {
            // PUBACKs for the previous connection's mids may still come; unknown mids are ignored, and those records
            // are simply published again from the outbox (at least once).
            _inflight.Clear();
        }

        _cursor = 0;
        PublishStatus(client, _status);
        foreach (var (topic, payload) in _outbox.ReadRetained())
        {
            client.TryPublish(topic, payload, 1, true, null, out _);
        }

        if (_outbox.Depth > 0)
        {
            _logger.LogInformation("Plant link replaying {Depth} outbox records in seq order", _outbox.Depth);
        }
    }

    private void OnRetainedChanged(string topic, byte[] payload)
    {
        if (_client is { IsConnected: true } client)
        {
            client.TryPublish(topic, payload, 1, true, null, out _);
        }
    }

    private void OnConnectionLost(MqttConnectionLost lost)
    {
        if (lost.IsTlsProblem)
        {
            _logger.LogWarning("Plant link: {Reason}", lost.Reason);
        }
        else
        {
            // Routine while the gateway is down or restarting: Information, not Error.
            _logger.LogInformation("Plant link: {Reason}; reconnecting", lost.Reason);
        }
    }

    private void OnPublishCompleted(int mid, int reasonCode)
    {
        long seq;
        lock (_inflightGate)
        {
            if (mid == _controlMid)
            {
                _controlAck?.TrySetResult();
                return;
            }

            if (!_inflight.Remove(mid, out seq))
            {
                return;
            }
        }

        // 0x10 is "no matching subscribers": the broker has the message; anything from 0x80 is a refusal.
        if (reasonCode >= 0x80)
        {
            Counters.AddBrokerRejected();
            return;
        }

        _outbox.Acknowledge(seq);
        Counters.AddAcknowledged();
        if (_acked.CurrentCount == 0)
        {
            _acked.Release();
        }
    }

    private async Task CommandLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _commands.Reader.ReadAllAsync(cancellationToken))
            {
                var verb = _topics.VerbOf(message.Topic);
                if (verb is null)
                {
                    continue;
                }

                try
                {
                    var response = message.Retain
                        ? new CommandResponseBody(null, verb, false, "retained commands are refused: they would run again on every reconnect")
                        : await _dispatcher.DispatchAsync(verb, message.Payload, cancellationToken);
                    Counters.AddCommand(response.Accepted);
                    _logger.LogInformation("Command {Verb} ({CorrelationId}) {Outcome}{Reason}", response.Verb, response.CorrelationId ?? "no id",
                        response.Accepted ? "accepted" : "rejected", response.Reason is null ? string.Empty : $": {response.Reason}");
                    await _outbox.EnqueueAsync(MessageKind.CommandResponse, response, MessagesJsonContext.Default.CommandResponseBody, null, cancellationToken);
                    var detail = new Dictionary<string, string>
                    {
                        ["verb"] = response.Verb,
                        ["correlationId"] = response.CorrelationId ?? string.Empty,
                        ["outcome"] = response.Accepted ? "accepted" : "rejected",
                    };
                    if (response.Reason is not null)
                    {
                        detail["reason"] = response.Reason;
                    }

                    await _outbox.EnqueueAsync(MessageKind.Event, new EventBody("command", $"{response.Verb} {detail["outcome"]}", detail),
                        MessagesJsonContext.Default.EventBody, null, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "Command on {Topic} could not be answered", message.Topic);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    private async Task PublishOfflineAsync(MosquittoClient client)
    {
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_inflightGate)
        {
            _controlAck = ack;
            if (client.TryPublish(_topics.Status, StatusPayload(_status with { State = "offline", Reason = "shutdown" }), 1, true, null, out var mid) != 0)
            {
                return;
            }

            _controlMid = mid;
        }

        await Task.WhenAny(ack.Task, Task.Delay(TimeSpan.FromSeconds(2)));
    }

    private void PublishStatus(MosquittoClient client, StatusBody status) => client.TryPublish(_topics.Status, StatusPayload(status), 1, true, null, out _);

    private byte[] StatusPayload(StatusBody status)
    {
        var header = new EnvelopeHeader(Schemas.Status, _options.DeviceId, _outbox.BootEpoch, _outbox.LastSeq, _time.GetUtcNow());
        return Envelope.Write(header, status, MessagesJsonContext.Default.StatusBody);
    }

    /// <summary>Reads the verb's JSON args into a typed value (for handlers that want records, not JsonElement).</summary>
    public static T? Args<T>(CommandRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) => request.Args.Deserialize(typeInfo);
}
