using System.Threading.Channels;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Sparkplug.Protocol;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>
/// The station as a Sparkplug B 3.0 edge node, on an MQTT connection of its own beside the JSON link: NDEATH as the
/// will (with a bdSeq that goes up every session and survives restarts), NBIRTH and a DBIRTH per camera, then NDATA and
/// DDATA by exception with aliases, seq 0..255 wrapping. Data comes from the node's stream in the durable outbox, so what
/// is produced while the broker or the primary host is away is sent after the next birth, in order, flagged historical.
/// </summary>
/// <remarks>
/// <para>Inputs (Report* methods) may be called from any thread; they record changes and return once the record is on
/// disk (see <see cref="EdgeNodeRecorder"/>). One loop (<see cref="RunAsync"/>) does every publish, so seq has no gaps.</para>
/// <para>Sparkplug wants births and data at QoS 0. A QoS 0 publish has no acknowledgement, so after each batch the
/// loop sends a PINGREQ: the broker answers a connection's packets in order, and its PINGRESP proves every publish
/// before it arrived. Only then are the records deleted from the outbox. A session lost before that replays them in the
/// next one (as historical): delivery is at least once, like the JSON link's.</para>
/// <para>NCMD: <c>Node Control/Rebirth</c> republishes NBIRTH and every DBIRTH with the same bdSeq and aliases;
/// <c>Node Control/Mode</c> goes through the station's <see cref="CommandDispatcher"/> as <c>set-mode</c> when
/// <see cref="SparkplugOptions.AllowWrites"/>, and is refused otherwise; every write is answered with an NDATA of the
/// metric's value and recorded as an event on the JSON <c>event</c> topic.</para>
/// </remarks>
internal sealed class SparkplugEdgeNode : IAsyncDisposable
{
    /// <summary>The node's stream in the outbox.</summary>
    public const string StreamName = "sparkplug";

    private const int ReadBatch = 200;
    private const int CommandCapacity = 64;

    private readonly SparkplugOptions _options;
    private readonly SparkplugTopics _topics;
    private readonly MqttConnection _connection;
    private readonly EdgeNodeRecorder _recorder;
    private readonly MetricTable _table;
    private readonly OutboxStream _stream;
    private readonly Outbox _outbox;
    private readonly EdgeNodeCommands _writes;
    private readonly BdSeqStore _bdSeq;
    private readonly PrimaryHostState _host = new();
    private readonly Channel<(Payload Payload, bool Retained)> _commands =
        Channel.CreateBounded<(Payload, bool)>(new BoundedChannelOptions(CommandCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _flushTimeout;
    private readonly List<long> _unconfirmed = [];
    private readonly HashSet<string> _pendingDeaths = new(StringComparer.Ordinal);
    private volatile Session? _session;
    private int _attemptBdSeq;
    private int _rebirthRequested;
    private int _hostWentOffline;
    private ulong _seq;
    private long _cursor;
    private long _liveFrom = long.MaxValue;
    private int _bornGeneration;
    private int _bornVersion = -1;

    /// <summary>Creates the node and its connection (not yet connected).</summary>
    /// <param name="options">The "link:sparkplug" section (enabled).</param>
    /// <param name="connection">The JSON link's connection settings (broker, TLS, credentials, protocol, timings); the node takes its own client id, session and will.</param>
    /// <param name="identity">The "station" section.</param>
    /// <param name="start">What the station is at start: mode, models, cameras, drift detectors.</param>
    /// <param name="outbox">The station's outbox: the node keeps its data in its own stream there, and writes its audit events to the JSON <c>event</c> topic through it.</param>
    /// <param name="dispatcher">The station's command dispatcher (for <c>Node Control/Mode</c> as <c>set-mode</c>).</param>
    /// <param name="flushTimeout">At shutdown, how long to keep sending stored data while the broker is reachable.</param>
    /// <param name="logger">Logging.</param>
    /// <param name="time">The clock of timestamps.</param>
    /// <exception cref="MqttSetupException">A TLS file is missing or cannot be opened.</exception>
    public SparkplugEdgeNode(SparkplugOptions options, MqttConnectionOptions connection, StationIdentityOptions identity, EdgeNodeStart start, Outbox outbox,
        CommandDispatcher dispatcher, TimeSpan flushTimeout, ILogger? logger = null, TimeProvider? time = null)
    {
        _options = options;
        _outbox = outbox;
        _flushTimeout = flushTimeout;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _topics = new SparkplugTopics(options.GroupId, options.EdgeNodeId, options.PrimaryHostId);
        _bdSeq = new BdSeqStore(BdSeqStore.BesideOutbox(outbox.Options.Path), _logger);
        _stream = outbox.OpenStream(StreamName);
        _table = new MetricTable();
        _recorder = new EdgeNodeRecorder(_table, _stream, options.PublishResults);
        _recorder.Declare(start, identity, _time.GetUtcNow());
        _writes = new EdgeNodeCommands(options, _table, _recorder, dispatcher, outbox, Counters, _logger, _time);
        _connection = new MqttConnection(connection with
        {
            ClientId = SparkplugOptions.ClientIdFor(identity.DeviceId),
            // Sparkplug 3.0: clean start, session expiry 0; the broker keeps nothing for an edge node.
            CleanSession = true,
            SessionExpiry = TimeSpan.Zero,
            Will = null,
            WillPerConnect = NextWill,
            DisconnectWithWill = true,
        }, _logger, _time);
        if (options.AllowWrites && dispatcher.RequiresHmac)
        {
            _logger.LogWarning("link:sparkplug:allowWrites is true, but link:commandHmacKeyHex requires signed commands and an NCMD cannot carry a signature: "
                + "every Sparkplug write will be refused. Turn off one of the two");
        }
    }

    public SparkplugCounters Counters { get; } = new();

    public SparkplugTopics Topics => _topics;

    public MetricTable Metrics => _table;

    public OutboxStream Stream => _stream;

    public bool IsConnected => _connection.IsConnected;

    /// <summary>True while connected, with a primary host configured that has not said online in this session.</summary>
    public bool IsWaitingForHost => _connection.IsConnected && _topics.State is not null && !_host.IsOnline;

    /// <summary>True once NBIRTH went out on the current connection.</summary>
    public bool IsBorn => _connection.IsConnected && Volatile.Read(ref _bornGeneration) == _connection.Generation && _bornGeneration != 0;

    /// <summary>The bdSeq of the current (or latest) session; -1 before the first.</summary>
    public int BdSeq => _session?.BdSeq ?? -1;

    /// <summary>The periodic figures: the changed node metrics become one NDATA, each camera's one DDATA.</summary>
    /// <returns>The NDATA's record id; 0 when nothing changed; -1 when the full outbox dropped it.</returns>
    public async ValueTask<long> ReportFiguresAsync(StationFigures figures, DateTimeOffset at)
    {
        var values = new List<(string, MetricValue)>
        {
            (MetricNames.Fps, MetricValue.Double(figures.FramesPerSecond.Count == 0 ? null : figures.FramesPerSecond.Values.Sum())),
        };
        foreach (var (stage, latency) in figures.Stages)
        {
            values.Add((MetricNames.StageP50(stage), MetricValue.Double(latency.P50Ms)));
            values.Add((MetricNames.StageP99(stage), MetricValue.Double(latency.P99Ms)));
        }

        values.AddRange(
        [
            (MetricNames.PartsInspected, MetricValue.Int64(figures.PartsInspected)),
            (MetricNames.PartsPass, MetricValue.Int64(figures.PartsPass)),
            (MetricNames.PartsFail, MetricValue.Int64(figures.PartsFail)),
            (MetricNames.PartsNoDecision, MetricValue.Int64(figures.PartsNoDecision)),
            (MetricNames.Agreement, MetricValue.Double(figures.Agreement)),
            (MetricNames.AgreementLower, MetricValue.Double(figures.AgreementLower95)),
            (MetricNames.AgreementUpper, MetricValue.Double(figures.AgreementUpper95)),
            (MetricNames.Kappa, MetricValue.Double(figures.Kappa)),
            (MetricNames.AgreementParts, MetricValue.Int64(figures.AgreementParts)),
            (MetricNames.PromotionGate, MetricValue.String(figures.PromotionGate)),
            (MetricNames.OpenIncidents, MetricValue.Int64(figures.OpenIncidents)),
            (MetricNames.OutboxDepth, MetricValue.Int64(figures.OutboxDepth)),
            (MetricNames.OutboxDroppedMetrics, MetricValue.Int64(figures.OutboxDroppedMetrics)),
            (MetricNames.LinkReconnects, MetricValue.Int64(figures.LinkReconnects)),
            (MetricNames.Stored, MetricValue.Int64(_stream.Depth)),
            (MetricNames.Dropped, MetricValue.Int64(_stream.Dropped)),
            (MetricNames.Reconnects, MetricValue.Int64(Math.Max(0, Counters.Sessions - 1))),
            (MetricNames.WritesRefused, MetricValue.Int64(Counters.WritesRefused)),
        ]);
        var node = _recorder.RecordNode(values, at);
        var devices = figures.FramesPerSecond.Select(kv => _recorder.RecordDevice(kv.Key, [(MetricNames.CameraFps, MetricValue.Double(kv.Value))], at).AsTask()).ToList();
        var id = await node;
        await Task.WhenAll(devices);
        return id;
    }

    public ValueTask<long> ReportModeAsync(string mode, DateTimeOffset at) =>
        _recorder.RecordNode([(MetricNames.Mode, MetricValue.String(mode.ToLowerInvariant()))], at);

    public ValueTask<long> ReportModelsAsync(ModelIdentity? active, ModelIdentity? candidate, DateTimeOffset at) =>
        _recorder.RecordNode(EdgeNodeRecorder.ModelValues(active, candidate), at);

    /// <summary>A drift detector's reading at its latest transition, and its state ("ok", "warn", "alert").</summary>
    public ValueTask<long> ReportDriftAsync(string detector, double distance, string state, DateTimeOffset at) =>
        _recorder.RecordNode([(MetricNames.DriftDistance(detector), MetricValue.Double(distance)), (MetricNames.DriftState(detector), MetricValue.String(state))], at);

    public ValueTask<long> ReportOpenIncidentsAsync(int open, DateTimeOffset at) =>
        _recorder.RecordNode([(MetricNames.OpenIncidents, MetricValue.Int64(open))], at);

    /// <summary>One part's result as DDATA of its camera (when <see cref="SparkplugOptions.PublishResults"/>); never dropped.</summary>
    public ValueTask<long> ReportPartAsync(PartResult part) => _recorder.RecordPart(part);

    /// <summary>A camera went down (DDEATH) or recovered (DBIRTH).</summary>
    public ValueTask<long> ReportCameraAsync(string cameraId, bool online, DateTimeOffset at) => _recorder.RecordDeviceState(cameraId, online, at);

    /// <summary>Runs the node until <paramref name="stoppingToken"/> is cancelled; then sends what it can, publishes NDEATH and disconnects.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _connection.Connected += OnConnected;
        _connection.ConnectionLost += OnConnectionLost;
        _connection.MessageReceived += OnMessage;
        _connection.Subscribe(_topics.NodeCommand);
        if (_topics.State is { } state)
        {
            _connection.Subscribe(state);
        }

        _logger.LogInformation("Sparkplug edge node starting: {Node} on {Broker}, client {ClientId}; {Stored} stored records to send",
            _options, $"{_connection.Options.Host}:{_connection.Options.Port}", _connection.Options.ClientId, _stream.Depth);
        _connection.Start();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await LoopAsync(drainOnly: false, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Normal shutdown.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A fault (the outbox file unreadable, say) must not end the node: log, wait a little, go on from where it was.
                _logger.LogError(e, "Sparkplug edge node loop failed; retrying in 1 s");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        await ShutdownAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _wake.Dispose();
    }

    private async Task ShutdownAsync()
    {
        using var flush = new CancellationTokenSource(_flushTimeout);
        try
        {
            if (IsBorn)
            {
                await LoopAsync(drainOnly: true, flush.Token);
            }
        }
        catch (OperationCanceledException)
        {
            _logger.LogInformation("Sparkplug edge node stopping with {Depth} records still stored; they are sent after the next start", _stream.Depth);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Sparkplug edge node could not send its stored records at shutdown; they are sent after the next start");
        }

        if (_connection.IsConnected && _session is { } session)
        {
            // Sparkplug: an edge node that disconnects on purpose publishes its NDEATH first (and under MQTT 5 the
            // DISCONNECT asks the broker for the will as well; a host ignores the second one, same bdSeq).
            var death = _connection.PublishAsync(_topics.NodeDeath, SparkplugPayloads.NodeDeath(session.BdSeq, _time.GetUtcNow()).ToByteArray());
            await Task.WhenAny(death, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        }

        await _connection.DisposeAsync();
        _logger.LogInformation("Sparkplug edge node stopped: {Births} births, {Published} data messages ({Historical} historical), {Stored} records left stored",
            Counters.Births, Counters.Published, Counters.PublishedHistorical, _stream.Depth);
    }

    /// <summary>
    /// The one loop that publishes: a birth whenever a session (or a rebirth, or a new metric) needs one, the node's
    /// commands, then the stored records in id order. <paramref name="drainOnly"/>: return once nothing is left to send.
    /// </summary>
    private async Task LoopAsync(bool drainOnly, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var session = _session;
            if (!_connection.IsConnected || session is null || session.Generation != _connection.Generation)
            {
                if (drainOnly)
                {
                    return;
                }

                await IdleAsync(cancellationToken);
                continue;
            }

            if (!session.Started)
            {
                StartSession(session);
            }

            if (!drainOnly)
            {
                await HandleCommandsAsync(cancellationToken);
            }

            var born = Volatile.Read(ref _bornGeneration) == session.Generation;
            if (Interlocked.Exchange(ref _hostWentOffline, 0) == 1 && born)
            {
                await EndSessionForHostAsync(session);
                continue;
            }

            if (!born || Volatile.Read(ref _rebirthRequested) == 1 || _table.Version != _bornVersion)
            {
                if (_topics.State is not null && !_host.IsOnline)
                {
                    if (drainOnly)
                    {
                        return;
                    }

                    await IdleAsync(cancellationToken);
                    continue;
                }

                await BirthAsync(session);
                continue;
            }

            if (!await SendStoredAsync(session, drainOnly) && !await ConfirmAsync())
            {
                if (drainOnly)
                {
                    return;
                }

                await PublishPendingDeathsAsync(session);
                await IdleAsync(cancellationToken);
            }
        }
    }

    /// <summary>A new session: its bdSeq is durable before anything is published; stored records are read from the start again.</summary>
    private void StartSession(Session session)
    {
        session.Started = true;
        _cursor = 0;
        _unconfirmed.Clear();
        _liveFrom = long.MaxValue;
        _pendingDeaths.Clear();
        Interlocked.Exchange(ref _hostWentOffline, 0);
        Counters.Session();
        _logger.LogInformation("Sparkplug session {Generation} on {Broker} with bdSeq {BdSeq}{Waiting}", session.Generation,
            $"{_connection.Options.Host}:{_connection.Options.Port}", session.BdSeq,
            _topics.State is null ? string.Empty : $"; NBIRTH waits for {_topics.State} to say online");
    }

    /// <summary>NBIRTH, then a DBIRTH per device, with seq from 0. Aliases and values come from the table as they are now.</summary>
    private async Task BirthAsync(Session session)
    {
        var now = _time.GetUtcNow();
        Interlocked.Exchange(ref _rebirthRequested, 0);
        _table.Apply(null, [(SparkplugPayloads.BdSeq, MetricValue.Int64(session.BdSeq))], now);
        // Version before readings: a metric added meanwhile is either in this birth or triggers the next one.
        var version = _table.Version;
        var firstOfSession = _liveFrom == long.MaxValue;
        if (firstOfSession)
        {
            // Everything stored before this point is history to the host: it was produced outside a live session.
            _liveFrom = _stream.LastId + 1;
        }

        _seq = 0;
        if (!await PublishAsync(session, _topics.NodeBirth, SparkplugPayloads.Birth(_table.Readings(null), NextSeq(), now)))
        {
            return;
        }

        foreach (var device in _table.Devices)
        {
            if (!await PublishAsync(session, _topics.DeviceBirth(device), SparkplugPayloads.Birth(_table.Readings(device), NextSeq(), now)))
            {
                return;
            }

            if (firstOfSession && !_recorder.IsOnline(device))
            {
                _pendingDeaths.Add(device);
            }
        }

        _bornVersion = version;
        Volatile.Write(ref _bornGeneration, session.Generation);
        Counters.Birth();
        _logger.LogInformation("Sparkplug NBIRTH ({Metrics} metrics, {Devices} devices) with bdSeq {BdSeq}", _table.Readings(null).Count, _table.Devices.Count, session.BdSeq);
    }

    /// <summary>Publishes the next stored records; false when there were none.</summary>
    private async Task<bool> SendStoredAsync(Session session, bool drainOnly)
    {
        var batch = _stream.ReadAfter(_cursor, ReadBatch);
        if (batch.Count == 0)
        {
            return false;
        }

        foreach (var record in batch)
        {
            if (Volatile.Read(ref _rebirthRequested) == 1 || Volatile.Read(ref _hostWentOffline) == 1 || (!drainOnly && _commands.Reader.Count > 0))
            {
                // A rebirth request stops data at once; commands and a host going away come before more data.
                break;
            }

            StoredMessage message;
            try
            {
                message = StoredMessage.Parser.ParseFrom(record.Payload);
            }
            catch (InvalidProtocolBufferException e)
            {
                Counters.CorruptRecord();
                _logger.LogError("Sparkplug stored record {Id} cannot be read ({Reason}); it is deleted", record.Seq, e.Message);
                _stream.Acknowledge(record.Seq);
                _cursor = record.Seq;
                continue;
            }

            var device = message.HasDeviceId ? message.DeviceId : null;
            if (!Declared(device, message.Payload))
            {
                // A metric (or device) this session's birth did not declare: a rebirth first, then this record.
                return true;
            }

            var historical = record.Seq < _liveFrom;
            var sent = message.Kind switch
            {
                StoredMessage.Types.Kind.Data => await PublishDataAsync(session, device, message.Payload, historical),
                StoredMessage.Types.Kind.DeviceDeath when !historical && device is not null => await DeviceDeathAsync(session, device),
                StoredMessage.Types.Kind.DeviceBirth when !historical && device is not null => await DeviceBirthAsync(session, device),
                // A device's comings and goings before this birth are already told by the birth (and the deaths after the backlog).
                _ => true,
            };
            if (!sent)
            {
                return true;
            }

            _cursor = record.Seq;
            _unconfirmed.Add(record.Seq);
        }

        await ConfirmAsync();
        return true;
    }

    /// <summary>PINGREQ after what was sent: on its PINGRESP the broker has every message before it, and those records leave the outbox.</summary>
    private async Task<bool> ConfirmAsync()
    {
        if (_unconfirmed.Count == 0 || !await _connection.PingAsync(_connection.Options.ConnectTimeout))
        {
            return false;
        }

        foreach (var id in _unconfirmed)
        {
            _stream.Acknowledge(id);
        }

        Counters.Confirm(_unconfirmed.Count);
        _unconfirmed.Clear();
        return true;
    }

    private async Task<bool> PublishDataAsync(Session session, string? device, Payload stored, bool historical)
    {
        var payload = SparkplugPayloads.ForSending(stored, NextSeq(), historical, name => _table.Find(device, name)?.Definition.Alias, _time.GetUtcNow());
        var topic = device is null ? _topics.NodeData : _topics.DeviceData(device);
        if (!await PublishAsync(session, topic, payload))
        {
            return false;
        }

        Counters.Data(historical);
        return true;
    }

    private async Task<bool> DeviceDeathAsync(Session session, string device)
    {
        _pendingDeaths.Remove(device);
        return await PublishAsync(session, _topics.DeviceDeath(device), SparkplugPayloads.DeviceDeath(NextSeq(), _time.GetUtcNow()));
    }

    private async Task<bool> DeviceBirthAsync(Session session, string device)
    {
        _pendingDeaths.Remove(device);
        return await PublishAsync(session, _topics.DeviceBirth(device), SparkplugPayloads.Birth(_table.Readings(device), NextSeq(), _time.GetUtcNow()));
    }

    /// <summary>Devices that were down at the birth: their DDEATH once the history (which may hold their last data) is out.</summary>
    private async Task PublishPendingDeathsAsync(Session session)
    {
        foreach (var device in _pendingDeaths.ToList())
        {
            if (!_recorder.IsOnline(device) && !await DeviceDeathAsync(session, device))
            {
                return;
            }

            _pendingDeaths.Remove(device);
        }
    }

    /// <summary>Every metric of a stored message is in the table; an unknown one is declared (from its stored datatype) and false returned.</summary>
    private bool Declared(string? device, Payload payload)
    {
        var known = true;
        if (device is not null && !_table.Devices.Contains(device, StringComparer.Ordinal))
        {
            _table.AddDevice(device);
            known = false;
        }

        foreach (var metric in payload.Metrics)
        {
            if (_table.Find(device, metric.Name) is not null)
            {
                continue;
            }

            var type = (DataType)metric.Datatype;
            _table.Declare(device, metric.Name, MetricValue.Read(metric, type) ?? MetricValue.Null(type), DateTimeOffset.FromUnixTimeMilliseconds((long)metric.Timestamp));
            known = false;
        }

        return known;
    }

    private async Task HandleCommandsAsync(CancellationToken cancellationToken)
    {
        while (_commands.Reader.TryRead(out var command))
        {
            foreach (var metric in command.Payload.Metrics)
            {
                if (await _writes.HandleAsync(metric, command.Retained, cancellationToken))
                {
                    Counters.RebirthRequest();
                    Interlocked.Exchange(ref _rebirthRequested, 1);
                    _logger.LogInformation("Sparkplug rebirth requested by NCMD");
                }
            }
        }
    }

    /// <summary>The primary host said offline while this node was born: NDEATH, disconnect, store until it is back.</summary>
    private async Task EndSessionForHostAsync(Session session)
    {
        Counters.HostOfflineDisconnect();
        _logger.LogWarning("Sparkplug primary host {Host} is offline: publishing NDEATH and disconnecting; data is stored until it is back", _options.PrimaryHostId);
        var death = _connection.PublishAsync(_topics.NodeDeath, SparkplugPayloads.NodeDeath(session.BdSeq, _time.GetUtcNow()).ToByteArray(), onGeneration: session.Generation);
        await Task.WhenAny(death, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        Volatile.Write(ref _bornGeneration, 0);
        await _connection.RestartSessionAsync();
    }

    private async Task<bool> PublishAsync(Session session, string topic, Payload payload)
    {
        var outcome = await _connection.PublishAsync(topic, payload.ToByteArray(), retain: false, atMostOnce: true, onGeneration: session.Generation);
        if (outcome.IsAcknowledged)
        {
            return true;
        }

        if (outcome.Status == PublishStatus.Failed)
        {
            _logger.LogError("Sparkplug publish on {Topic} failed: {Outcome}", topic, outcome);
        }

        return false;
    }

    private ulong NextSeq()
    {
        var seq = _seq;
        _seq = (_seq + 1) % 256;
        return seq;
    }

    private async Task IdleAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromMilliseconds(200);
        await Task.WhenAny(_stream.WaitForRecordsAsync(timeout, cancellationToken), _wake.WaitAsync(timeout, cancellationToken));
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>On the reconnect loop, just before CONNECT: the will of this attempt carries the next bdSeq.</summary>
    private MqttWill NextWill()
    {
        var bdSeq = _bdSeq.Next;
        Volatile.Write(ref _attemptBdSeq, bdSeq);
        // A new session must hear from the host again before its birth (a retained STATE arrives after SUBACK).
        _host.Forget();
        return new MqttWill(_topics.NodeDeath, SparkplugPayloads.NodeDeath(bdSeq, _time.GetUtcNow()).ToByteArray(), Retain: false);
    }

    /// <summary>On the reconnect loop, after CONNACK and SUBACK, before any other attempt: this session's bdSeq becomes durable.</summary>
    private void OnConnected(MqttSession mqtt)
    {
        var bdSeq = Volatile.Read(ref _attemptBdSeq);
        try
        {
            _bdSeq.Commit(bdSeq);
        }
        catch (IOException e)
        {
            // The session goes on with this number; a restart may use it again. Reported, not fatal.
            _logger.LogError("{Reason}", e.Message);
        }

        _session = new Session(mqtt.Generation, bdSeq);
        Wake();
    }

    private void OnConnectionLost(MqttConnectionLost lost)
    {
        if (lost.IsTlsProblem)
        {
            _logger.LogWarning("Sparkplug edge node: {Reason}", lost.Reason);
        }
        else
        {
            _logger.LogInformation("Sparkplug edge node: {Reason}; reconnecting", lost.Reason);
        }

        Wake();
    }

    /// <summary>On the MQTT receive loop: quick, never waits.</summary>
    private void OnMessage(MqttMessage message)
    {
        if (message.Topic == _topics.NodeCommand)
        {
            Payload payload;
            try
            {
                payload = Payload.Parser.ParseFrom(message.Payload);
            }
            catch (InvalidProtocolBufferException e)
            {
                Counters.CommandMalformed();
                _logger.LogWarning("Sparkplug NCMD of {Bytes} bytes is not a Sparkplug B payload ({Reason}); ignored", message.Payload.Length, e.Message);
                return;
            }

            if (!_commands.Writer.TryWrite((payload, message.Retain)))
            {
                Counters.CommandDropped();
            }

            Wake();
        }
        else if (message.Topic == _topics.State)
        {
            Counters.StateMessage();
            var change = _host.Observe(message.Payload);
            if (change != HostStateChange.Ignored)
            {
                // Only the latest word counts: offline then online again before the loop looked is no reason to disconnect.
                Interlocked.Exchange(ref _hostWentOffline, change == HostStateChange.Offline ? 1 : 0);
            }

            if (change != HostStateChange.Ignored)
            {
                _logger.LogInformation("Sparkplug primary host {Host} is {State}", _options.PrimaryHostId, change == HostStateChange.Online ? "online" : "offline");
            }

            Wake();
        }
    }

    /// <summary>One MQTT session of the node: the connection's generation and the bdSeq its will carries.</summary>
    private sealed class Session(int generation, int bdSeq)
    {
        public int Generation { get; } = generation;

        public int BdSeq { get; } = bdSeq;

        /// <summary>Set by the publishing loop when it first sees this session.</summary>
        public bool Started { get; set; }
    }
}
