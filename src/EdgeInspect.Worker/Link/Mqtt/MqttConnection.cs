using System.Buffers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Link.Mqtt;

/// <summary>
/// One MQTT connection over MQTTnet's <see cref="IMqttClient"/>, publisher and subscriber alike. Its reconnect loop is
/// the only caller of <c>ConnectAsync</c>: a connect watchdog (<see cref="MqttConnectionOptions.ConnectTimeout"/>),
/// endless reconnects with capped, jittered backoff, and every subscription again after each CONNACK. Nothing is given
/// up: a lost connection is reported and retried until <see cref="DisposeAsync"/>.
/// </summary>
/// <remarks>
/// <para>MQTTnet 5 has no managed (auto-reconnecting) client, and a second concurrent <c>ConnectAsync</c> fails, so the
/// loop here owns the connection. A publish is awaited to its PUBACK (<see cref="PublishAsync"/>): the outcome carries
/// the broker's reason code, so no message-id bookkeeping is needed.</para>
/// <para>Threading: <see cref="PublishAsync"/> and <see cref="Subscribe"/> may be called from any thread. Events are
/// raised on MQTTnet's receive loop or on the reconnect loop; handlers must be quick and must not wait on this
/// connection. An exception thrown by a handler is caught and counted in <see cref="CallbackFaults"/>.</para>
/// </remarks>
public sealed class MqttConnection : IAsyncDisposable
{
    private static readonly Task<PublishOutcome> NotConnected = Task.FromResult(new PublishOutcome(PublishStatus.NotConnected, -1, "not connected"));

    private readonly MqttConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly MqttTlsMaterial? _tls;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<string> _subscriptions = [];
    private TaskCompletionSource _connectedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<MqttConnectionLost> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private volatile bool _connected;
    private int _generation;
    private int _receiveMaximum = ushort.MaxValue;
    private long _callbackFaults;
    private int _disposed;

    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    /// <exception cref="MqttSetupException">A TLS file is missing or cannot be opened.</exception>
    public MqttConnection(MqttConnectionOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid MQTT connection options: {string.Join("; ", problems)}", nameof(options));
        }

        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _tls = options.Tls is { } tls ? MqttTlsMaterial.Load(tls) : null;
        _clientOptions = BuildClientOptions();
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>Raised after every successful CONNACK, once the subscriptions are in place.</summary>
    public event Action<MqttSession>? Connected;

    /// <summary>Raised when a connection attempt fails (refused, TLS, watchdog) or a live connection drops.</summary>
    public event Action<MqttConnectionLost>? ConnectionLost;

    /// <summary>Raised for each message on a subscribed filter. The message is a copy and can be kept.</summary>
    public event Action<MqttMessage>? MessageReceived;

    public bool IsConnected => _connected;

    /// <summary>How many connections have completed (CONNACK accepted) since <see cref="Start"/>.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>The broker's Receive Maximum from the latest CONNACK: QoS 1 publishes it takes in flight at once.</summary>
    public int ReceiveMaximum => Volatile.Read(ref _receiveMaximum);

    public long CallbackFaults => Interlocked.Read(ref _callbackFaults);

    public MqttConnectionOptions Options => _options;

    /// <summary>Starts the reconnect loop. Progress is reported through the events.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_gate)
        {
            if (_loop is not null)
            {
                throw new InvalidOperationException("The connection is already started.");
            }

            _loop = Task.Run(ReconnectLoopAsync);
        }
    }

    /// <summary>Subscribes (QoS 1) now if connected, and again after every reconnect.</summary>
    /// <remarks>
    /// Under v5 the subscription asks for retain-as-published, so a retained message delivered live keeps its retain
    /// flag (a broker otherwise clears it): the station can tell a retained command from a live one either way.
    /// </remarks>
    public void Subscribe(string filter)
    {
        lock (_gate)
        {
            _subscriptions.Add(filter);
        }

        if (_connected)
        {
            // If the connection drops before SUBACK, the reconnect path subscribes again.
            _ = SubscribeAsync([filter], _stop.Token);
        }
    }

    /// <summary>Completes with true when connected, or false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (!_connected)
        {
            Task signal;
            lock (_gate)
            {
                signal = _connectedSignal.Task;
            }

            if (_connected)
            {
                break;
            }

            try
            {
                await signal.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return _connected;
            }
        }

        return true;
    }

    /// <summary>Publishes one QoS 1 message and completes with the broker's answer: the PUBACK, a refusal, or why none came.</summary>
    /// <param name="topic">Full topic.</param>
    /// <param name="payload">Sent as is; not copied, so it must not change until the task completes.</param>
    /// <param name="retain">Retained message.</param>
    /// <param name="messageExpiry">v5 only (ignored under 3.1.1): the broker discards the message if undelivered after this long.</param>
    /// <param name="atMostOnce">
    /// QoS 0 instead (Sparkplug requires it for births and data): there is no PUBACK, and the task completes as
    /// <see cref="PublishStatus.Acknowledged"/> once the message is written to the connection. Follow with
    /// <see cref="PingAsync"/> to learn that the broker has read it.
    /// </param>
    /// <param name="onGeneration">
    /// Publish only on this connection (<see cref="Generation"/>): after a reconnect the call is answered
    /// <see cref="PublishStatus.NotConnected"/>, so nothing meant for an old session reaches a new one before its birth.
    /// </param>
    public Task<PublishOutcome> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain = false, TimeSpan? messageExpiry = null, bool atMostOnce = false,
        int? onGeneration = null)
    {
        if (!_connected)
        {
            return NotConnected;
        }

        if (onGeneration is { } generation)
        {
            // Under the gate OnConnected takes to mark a new connection up: it cannot come between the check and the send.
            lock (_gate)
            {
                return _connected && Generation == generation ? Publish(topic, payload, retain, messageExpiry, atMostOnce) : NotConnected;
            }
        }

        return Publish(topic, payload, retain, messageExpiry, atMostOnce);
    }

    private Task<PublishOutcome> Publish(string topic, ReadOnlyMemory<byte> payload, bool retain, TimeSpan? messageExpiry, bool atMostOnce)
    {
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = atMostOnce ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce,
            Retain = retain,
            MessageExpiryInterval = messageExpiry is { } expiry && _options.Protocol == MqttProtocol.V5 ? (uint)Math.Max(1, expiry.TotalSeconds) : 0,
        };
        Task<MqttClientPublishResult> publish;
        try
        {
            // Throws synchronously when the connection just dropped (MqttClientNotConnectedException) or the topic is invalid.
            publish = _client.PublishAsync(message, CancellationToken.None);
        }
        catch (Exception e)
        {
            return Task.FromResult(MqttErrors.Outcome(e));
        }

        return AwaitPubackAsync(publish);
    }

    /// <summary>
    /// PINGREQ, and true when its PINGRESP arrives within <paramref name="timeout"/>. A broker answers the packets of one
    /// connection in order, so a PINGRESP proves it has read every message published before the ping (QoS 0 included).
    /// </summary>
    public async Task<bool> PingAsync(TimeSpan timeout)
    {
        if (!_connected)
        {
            return false;
        }

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            deadline.CancelAfter(timeout);
            await _client.PingAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogDebug("PINGREQ to {Broker} got no PINGRESP: {Reason}", $"{_options.Host}:{_options.Port}", e.Message);
            return false;
        }
    }

    /// <summary>
    /// Ends the current connection on purpose (DISCONNECT, with the will under <see cref="MqttConnectionOptions.DisconnectWithWill"/>);
    /// the loop then connects again after its shortest backoff: a new session. Nothing happens when not connected.
    /// </summary>
    public async Task RestartSessionAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(DisconnectReason()).Build(), timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogDebug(e, "DISCONNECT to {Broker} did not complete", $"{_options.Host}:{_options.Port}");
        }
    }

    /// <summary>
    /// Stops the loop. A connected client sends DISCONNECT first: normal, so the broker does not publish the last will,
    /// or with the will under <see cref="MqttConnectionOptions.DisconnectWithWill"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        Task? loop;
        lock (_gate)
        {
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop;
        }

        if (_client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(DisconnectReason()).Build(), timeout.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogDebug(e, "DISCONNECT to {Broker} did not complete", $"{_options.Host}:{_options.Port}");
            }
        }

        _connected = false;
        _client.Dispose();
        _stop.Dispose();
    }

    private MqttClientDisconnectOptionsReason DisconnectReason() => _options.DisconnectWithWill && _options.Protocol == MqttProtocol.V5
        ? MqttClientDisconnectOptionsReason.DisconnectWithWillMessage
        : MqttClientDisconnectOptionsReason.NormalDisconnection;

    /// <summary>The will of the next attempt: rebuilt by <see cref="MqttConnectionOptions.WillPerConnect"/> when set.</summary>
    private void ApplyWill()
    {
        if (_options.WillPerConnect is not { } next)
        {
            return;
        }

        var will = next();
        _clientOptions.WillTopic = will.Topic;
        _clientOptions.WillPayload = will.Payload;
        _clientOptions.WillRetain = will.Retain;
        _clientOptions.WillQualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce;
    }

    private static async Task<PublishOutcome> AwaitPubackAsync(Task<MqttClientPublishResult> publish)
    {
        try
        {
            return MqttErrors.Outcome(await publish.ConfigureAwait(false));
        }
        catch (Exception e)
        {
            // Faulted with MqttClientDisconnectedException when the connection drops before the PUBACK.
            return MqttErrors.Outcome(e);
        }
    }

    private MqttClientOptions BuildClientOptions()
    {
        var o = _options;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(o.Host, o.Port)
            .WithClientId(o.ClientId)
            .WithProtocolVersion(o.Protocol == MqttProtocol.V5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(o.KeepAlive)
            // Also bounds DISCONNECT; the connect itself is bounded by the watchdog token in the loop.
            .WithTimeout(o.ConnectTimeout)
            .WithCleanSession(o.CleanSession);
        if (o.Protocol == MqttProtocol.V5 && o.SessionExpiry > TimeSpan.Zero)
        {
            builder.WithSessionExpiryInterval((uint)o.SessionExpiry.TotalSeconds);
        }

        if (o.Will is { } will)
        {
            builder.WithWillTopic(will.Topic).WithWillPayload(will.Payload).WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithWillRetain(will.Retain);
        }

        if (o.Username is not null)
        {
            builder.WithCredentials(o.Username, o.Password);
        }

        if (_tls is { } tls)
        {
            builder.WithTlsOptions(t =>
            {
                t.UseTls().WithTargetHost(o.Host).WithCertificateValidationHandler(e => tls.Validate(e.Certificate, e.SslPolicyErrors));
                if (tls.ClientCertificate is { } certificate)
                {
                    t.WithClientCertificates([certificate]);
                }
            });
        }

        return builder.Build();
    }

    private async Task ReconnectLoopAsync()
    {
        var attempt = 0;
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            MqttConnectionLost lost;
            using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(stop);
            try
            {
                var connection = new TaskCompletionSource<MqttConnectionLost>(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _lost, connection);
                watchdog.CancelAfter(_options.ConnectTimeout);
                ApplyWill();
                var result = await _client.ConnectAsync(_clientOptions, watchdog.Token);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    List<string> filters;
                    lock (_gate)
                    {
                        filters = [.. _subscriptions];
                    }

                    await SubscribeAsync(filters, watchdog.Token);
                }

                // The watchdog covers TCP, TLS, CONNACK and SUBACK; from here on the connection is up.
                watchdog.CancelAfter(Timeout.InfiniteTimeSpan);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    lost = MqttErrors.Refused(result, _options);
                }
                else
                {
                    attempt = 0;
                    OnConnected(result);
                    lost = await connection.Task.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // MQTTnet may wrap the watchdog's cancellation as "connection closed": ask the token, not the exception.
                lost = MqttErrors.ConnectFailed(e, _options, watchdog.IsCancellationRequested && !stop.IsCancellationRequested, _tls?.LastRefusal);
                if (_client.IsConnected)
                {
                    // The CONNACK came but the subscriptions did not: start again from a clean state.
                    await DropAsync();
                }
            }

            MarkDisconnected();
            Report(lost);
            await BackoffAsync(attempt++, stop);
        }

        MarkDisconnected();
    }

    private void OnConnected(MqttClientConnectResult result)
    {
        Volatile.Write(ref _receiveMaximum, result.ReceiveMaximum is > 0 and var max ? max : ushort.MaxValue);
        var generation = Interlocked.Increment(ref _generation);
        TaskCompletionSource signal;
        lock (_gate)
        {
            _connected = true;
            signal = _connectedSignal;
        }

        signal.TrySetResult();
        try
        {
            Connected?.Invoke(new MqttSession(generation, result.IsSessionPresent, ReceiveMaximum));
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _callbackFaults);
        }
    }

    private void MarkDisconnected()
    {
        lock (_gate)
        {
            if (_connected || _connectedSignal.Task.IsCompleted)
            {
                _connectedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _connected = false;
        }
    }

    private async Task SubscribeAsync(IReadOnlyList<string> filters, CancellationToken cancellationToken)
    {
        if (filters.Count == 0)
        {
            return;
        }

        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in filters)
        {
            builder.WithTopicFilter(f =>
            {
                f.WithTopic(filter).WithAtLeastOnceQoS();
                if (_options.Protocol == MqttProtocol.V5)
                {
                    f.WithRetainAsPublished(true);
                }
            });
        }

        try
        {
            var result = await _client.SubscribeAsync(builder.Build(), cancellationToken);
            foreach (var item in result.Items.Where(i => (int)i.ResultCode >= 0x80))
            {
                _logger.LogWarning("Broker {Broker} refused the subscription to {Filter}: {Code}; check its ACL for this device",
                    $"{_options.Host}:{_options.Port}", item.TopicFilter.Topic, item.ResultCode);
            }
        }
        catch (Exception) when (!_connected)
        {
            // Called by the loop before it marks the connection up: the loop reports this attempt.
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A late Subscribe on a live connection: the next reconnect subscribes again.
            _logger.LogInformation("Subscribe to {Filters} did not complete: {Reason}", string.Join(", ", filters), e.Message);
        }
    }

    private async Task DropAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogDebug(e, "Dropping a half-set-up connection did not complete cleanly");
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected)
        {
            _connected = false;
            Volatile.Read(ref _lost).TrySetResult(MqttErrors.Lost(e));
        }

        return Task.CompletedTask;
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        try
        {
            var m = e.ApplicationMessage;
            MessageReceived?.Invoke(new MqttMessage(m.Topic, m.Payload.ToArray(), (int)m.QualityOfServiceLevel, m.Retain));
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _callbackFaults);
        }

        return Task.CompletedTask;
    }

    private void Report(MqttConnectionLost lost)
    {
        try
        {
            ConnectionLost?.Invoke(lost);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _callbackFaults);
        }
    }

    private async Task BackoffAsync(int attempt, CancellationToken stop)
    {
        var min = _options.ReconnectDelayMin.TotalMilliseconds;
        var cap = Math.Min(_options.ReconnectDelayMax.TotalMilliseconds, min * Math.Pow(2, Math.Min(attempt, 20)));
        // Jitter in [cap/2, cap] spreads a line's worth of stations reconnecting after a gateway restart.
        var delay = (cap / 2) + (Random.Shared.NextDouble() * cap / 2);
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(delay), _time, stop);
        }
        catch (OperationCanceledException)
        {
            // Disposing.
        }
    }
}
