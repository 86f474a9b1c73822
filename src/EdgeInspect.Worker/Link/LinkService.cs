using System.Collections.Concurrent;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Link;

/// <summary>
/// Moves records from the <see cref="Outbox"/> to the broker, and hands what arrives on <c>cmd/+</c> to
/// <see cref="CommandReceived"/>. On every (re)connect: retained birth on <c>status</c>, every retained state again,
/// then the outbox from its oldest record, in seq order. A record leaves the outbox only on a PUBACK with a success
/// reason code.
/// </summary>
/// <remarks>
/// <para>Each publish is awaited to its PUBACK by a continuation that carries the record's seq: success (0x00, or 0x10
/// "no matching subscribers") acknowledges it in the outbox; a refusal (0x80 and above) is counted in
/// <see cref="LinkCounters.BrokerRejected"/> and the record stays, to be published again after
/// <see cref="LinkOptions.RefusedRetryDelay"/> or on the next connection (docs/mqtt.md, "When the broker refuses");
/// a publish cut off by a lost connection leaves the record for the replay after reconnect. Delivery is at least
/// once: subscribers dedup by (device, epoch, seq).</para>
/// <para>The window of publishes in flight is <see cref="LinkOptions.MaxInflight"/>, clamped to the broker's Receive
/// Maximum on every connect.</para>
/// <para>Shutdown (cancel the token): drain while the broker is reachable, up to <see cref="LinkOptions.ShutdownFlushTimeout"/>,
/// then a retained offline status, then DISCONNECT (so the broker does not also send the last will).</para>
/// </remarks>
public sealed class LinkService
{
    private const int ReadBatch = 500;
    private const long NoRefusal = long.MaxValue;

    private readonly LinkOptions _options;
    private readonly Outbox _outbox;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LinkTopics _topics;
    private readonly MqttConnection _connection;
    private readonly SemaphoreSlim _acked = new(0);
    private readonly ConcurrentDictionary<int, byte> _refusalsLogged = new();
    private int _inflight;
    private int _window;
    private int _generation;
    private long _cursor;
    private long _refusedFrom = NoRefusal;
    private long _retryDueTicks;
    private volatile StatusBody _status;

    /// <summary>Creates the link and its MQTT connection (not yet connected).</summary>
    /// <param name="options">The "link" section.</param>
    /// <param name="identity">Who the station is (the "station" section): client id and topic levels.</param>
    /// <param name="outbox">Where records wait.</param>
    /// <param name="logger">Logging.</param>
    /// <param name="time">The clock for envelopes and the refused-record retry.</param>
    /// <exception cref="MqttSetupException">A TLS file is missing or cannot be opened.</exception>
    public LinkService(LinkOptions options, StationIdentityOptions identity, Outbox outbox, ILogger<LinkService>? logger = null, TimeProvider? time = null)
    {
        _options = options;
        _outbox = outbox;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _topics = new LinkTopics(options.Topics(identity));
        _status = new StatusBody("online", $"edgeinspect {typeof(LinkService).Assembly.GetName().Version}");
        var will = new MqttWill(_topics.Station.Status, StatusPayload(new StatusBody("offline", _status.Software, Reason: "connection lost (last will)")));
        _connection = new MqttConnection(options.ToConnectionOptions(identity.DeviceId, will), _logger);
        _window = options.MaxInflight;
    }

    public LinkCounters Counters { get; } = new();

    public LinkTopics Topics => _topics;

    public bool IsConnected => _connection.IsConnected;

    /// <summary>Records in flight (published, no PUBACK yet).</summary>
    public int Inflight => Volatile.Read(ref _inflight);

    /// <summary>The in-flight window of the current connection: MaxInflight, clamped to the broker's Receive Maximum.</summary>
    public int Window => Volatile.Read(ref _window);

    /// <summary>Raised (on the MQTT receive loop; keep it quick) for each message on this station's <c>cmd/{verb}</c> topics.</summary>
    public event Action<MqttMessage>? CommandReceived;

    /// <summary>The birth status (mode, model). Setting it republishes the retained status when connected.</summary>
    public StatusBody Status
    {
        get => _status;
        set
        {
            _status = value with { State = "online" };
            if (_connection.IsConnected)
            {
                Observe(_connection.PublishAsync(_topics.Station.Status, StatusPayload(_status), retain: true), "status");
            }
        }
    }

    /// <summary>Runs the link until <paramref name="stoppingToken"/> is cancelled, then shuts down gracefully.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var connection = _connection;
        connection.Connected += session =>
        {
            if (session.Generation > 1)
            {
                Counters.AddReconnect();
            }

            _logger.LogInformation("Plant link connected to {Broker} (connection {Generation}, broker receive maximum {ReceiveMaximum})",
                $"{_options.Host}:{_options.Port}", session.Generation, session.ReceiveMaximum);
            // At once, before any record: a broker that restarted without persistence has forgotten every retained message.
            PublishRetained(connection);
        };
        connection.ConnectionLost += OnConnectionLost;
        connection.MessageReceived += message =>
        {
            if (_topics.Station.VerbOf(message.Topic) is not null)
            {
                CommandReceived?.Invoke(message);
            }
        };
        _outbox.RetainedChanged += OnRetainedChanged;
        connection.Subscribe(_topics.Station.CommandFilter);
        _logger.LogInformation("Plant link starting: {Link}", _options.ToString());
        connection.Start();

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
            // reachable: give the connection the flush window to reach it, rather than leaving records for the next start.
            if (!connection.IsConnected && (_outbox.Depth > 0 || Inflight > 0))
            {
                await connection.WaitConnectedAsync(_options.ShutdownFlushTimeout, flush.Token);
            }

            if (connection.IsConnected)
            {
                await DrainAsync(untilEmpty: true, flush.Token);
            }
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Plant link stopping with {Depth} records still in the outbox; they are sent on the next start", _outbox.Depth);
        }

        _outbox.RetainedChanged -= OnRetainedChanged;
        if (connection.IsConnected)
        {
            var offline = connection.PublishAsync(_topics.Station.Status, StatusPayload(_status with { State = "offline", Reason = "shutdown" }), retain: true);
            await Task.WhenAny(offline, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        }

        await connection.DisposeAsync();
        _logger.LogInformation("Plant link stopped: {Published} published, {Acked} acknowledged, {Refused} refused by the broker, {Depth} left in the outbox",
            Counters.Published, Counters.Acknowledged, Counters.BrokerRejected, _outbox.Depth);
    }

    private async Task DrainAsync(bool untilEmpty, CancellationToken cancellationToken)
    {
        var connection = _connection;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!connection.IsConnected)
            {
                if (untilEmpty)
                {
                    return;
                }

                await connection.WaitConnectedAsync(TimeSpan.FromMilliseconds(250), cancellationToken);
                continue;
            }

            var generation = connection.Generation;
            if (generation != _generation)
            {
                OnNewConnection(connection, generation);
            }

            if (!untilEmpty && Interlocked.Read(ref _refusedFrom) != NoRefusal && _time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _retryDueTicks))
            {
                // Refused records are published again in seq order: hold new reads until the window is empty, then rewind.
                if (Inflight > 0)
                {
                    await _acked.WaitAsync(TimeSpan.FromMilliseconds(100), cancellationToken);
                    continue;
                }

                var from = Interlocked.Exchange(ref _refusedFrom, NoRefusal);
                _cursor = Math.Min(_cursor, from - 1);
                _logger.LogInformation("Plant link publishing refused records again from seq {Seq}", from);
            }

            // Refill in batches, not one record per PUBACK: a SQLite read per record would halve the drain rate.
            var room = Window - Inflight;
            if (room <= 0 || (room < Math.Min(ReadBatch, Window / 4) && Inflight > 0))
            {
                await _acked.WaitAsync(TimeSpan.FromMilliseconds(100), cancellationToken);
                continue;
            }

            var batch = _outbox.ReadAfterPooled(_cursor, Math.Min(ReadBatch, room));
            if (batch.Count == 0)
            {
                // At shutdown, refused records are left for the next start rather than waited on.
                if (untilEmpty && Inflight == 0 && (_outbox.Depth == 0 || Interlocked.Read(ref _refusedFrom) != NoRefusal))
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

            for (var i = 0; i < batch.Count; i++)
            {
                var record = batch[i];
                var expiry = record.Kind == MessageKind.Metrics ? _options.MetricsExpiry : (TimeSpan?)null;
                // Counted before the call: the PUBACK (and its decrement) can arrive before PublishAsync returns.
                Interlocked.Increment(ref _inflight);
                var publish = connection.PublishAsync(_topics.Of(record.Kind), record.Memory, retain: false, expiry);
                if (publish.IsCompleted && publish.Result.Status == PublishStatus.NotConnected)
                {
                    // Connection lost mid-batch: the next connection starts again from the oldest record left, read
                    // again from the outbox; what this batch rented goes back.
                    Interlocked.Decrement(ref _inflight);
                    for (var j = i; j < batch.Count; j++)
                    {
                        batch[j].Return();
                    }

                    break;
                }

                _cursor = record.Seq;
                Counters.AddPublished();
                _ = CompleteAsync(record, publish);
            }
        }
    }

    /// <summary>The continuation of one publish: the PUBACK decides what happens to its record.</summary>
    private async Task CompleteAsync(OutboxRecord record, Task<PublishOutcome> publish)
    {
        var outcome = await publish.ConfigureAwait(false);
        // The publish is over (acknowledged, refused or lost with its connection): MQTTnet has written the bytes or
        // given up on them, and a replay reads the record again from the outbox.
        record.Return();
        var seq = record.Seq;
        switch (outcome.Status)
        {
            case PublishStatus.Acknowledged:
                _outbox.Acknowledge(seq);
                Counters.AddAcknowledged();
                break;
            case PublishStatus.Refused:
                Counters.AddBrokerRejected();
                OnRefused(seq, outcome);
                break;
            default:
                // Lost with the connection (or unusable): the record stays; the next connection replays it.
                Counters.AddUnacknowledged();
                break;
        }

        Interlocked.Decrement(ref _inflight);
        if (_acked.CurrentCount == 0)
        {
            _acked.Release();
        }
    }

    private void OnRefused(long seq, PublishOutcome outcome)
    {
        var previous = Interlocked.Read(ref _refusedFrom);
        while (seq < previous)
        {
            var seen = Interlocked.CompareExchange(ref _refusedFrom, seq, previous);
            if (seen == previous)
            {
                if (previous == NoRefusal)
                {
                    Interlocked.Exchange(ref _retryDueTicks, (_time.GetUtcNow() + _options.RefusedRetryDelay).UtcTicks);
                }

                break;
            }

            previous = seen;
        }

        if (_refusalsLogged.TryAdd(outcome.ReasonCode, 0))
        {
            _logger.LogWarning("Broker {Broker} refused record {Seq}: {Outcome}. The record stays in the outbox and is published again in {Delay}; "
                + "check the broker's ACL for this device (logged once per reason and connection; every refusal counts in link.broker_rejected)",
                $"{_options.Host}:{_options.Port}", seq, outcome, _options.RefusedRetryDelay);
        }
    }

    private void OnNewConnection(MqttConnection connection, int generation)
    {
        _generation = generation;
        _cursor = 0;
        Interlocked.Exchange(ref _refusedFrom, NoRefusal);
        _refusalsLogged.Clear();
        var window = Math.Min(_options.MaxInflight, connection.ReceiveMaximum);
        Volatile.Write(ref _window, window);
        if (window < _options.MaxInflight)
        {
            _logger.LogInformation("Plant link: the broker accepts {ReceiveMaximum} messages in flight; the window is {Window}, not {MaxInflight}",
                connection.ReceiveMaximum, window, _options.MaxInflight);
        }

        if (_outbox.Depth > 0)
        {
            _logger.LogInformation("Plant link replaying {Depth} outbox records in seq order", _outbox.Depth);
        }
    }

    /// <summary>The birth and every retained state, on every connect (called on the connection's loop; publishing only queues).</summary>
    private void PublishRetained(MqttConnection connection)
    {
        Observe(connection.PublishAsync(_topics.Station.Status, StatusPayload(_status), retain: true), "status");
        foreach (var state in _outbox.ReadRetained())
        {
            Observe(connection.PublishAsync(_topics.Retained(state.Kind, state.Key), state.Payload, retain: true), "retained state");
        }
    }

    private void OnRetainedChanged(RetainedRecord state)
    {
        if (_connection.IsConnected)
        {
            Observe(_connection.PublishAsync(_topics.Retained(state.Kind, state.Key), state.Payload, retain: true), "retained state");
        }
    }

    /// <summary>Retained messages are rebuilt on every connect, so a lost one needs no bookkeeping; a refused one is logged.</summary>
    private void Observe(Task<PublishOutcome> publish, string what) => _ = publish.ContinueWith(
        t =>
        {
            if (t.Result.IsAcknowledged)
            {
                Counters.AddRetainedAcknowledged();
            }
            else if (t.Result.Status == PublishStatus.Refused)
            {
                Counters.AddBrokerRejected();
                _logger.LogWarning("Broker refused the {What}: {Outcome}", what, t.Result);
            }
        },
        CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

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

    private byte[] StatusPayload(StatusBody status)
    {
        var header = new EnvelopeHeader(Schemas.Status, _outbox.DeviceId, _outbox.BootEpoch, _outbox.LastSeq, _time.GetUtcNow());
        return Envelope.Write(header, status, MessagesJsonContext.Default.StatusBody);
    }
}
