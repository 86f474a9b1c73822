using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Mosquitto;

/// <summary>
/// One MQTT connection over libmosquitto, publisher and subscriber alike. It owns its network thread: that thread
/// connects, runs <c>mosquitto_loop</c>, enforces the connect watchdog and reconnects with capped, jittered backoff,
/// resubscribing after every CONNACK. Nothing is given up: a lost connection is reported and retried until
/// <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// Threading: <see cref="Publish"/> and <see cref="Subscribe"/> may be called from any thread (the handle runs in
/// libmosquitto's "threaded" mode, so calls only queue packets and wake the loop). Every event is raised on the
/// network thread; handlers must be quick and must not block on this client. An exception thrown by a handler is
/// caught and counted in <see cref="CallbackFaults"/>: one crossing back into native code would kill the process.
/// </remarks>
public sealed class MosquittoClient : IDisposable
{
    private readonly MosquittoClientOptions _options;
    private readonly MosquittoSafeHandle _handle;
    private readonly ManualResetEventSlim _stopSignal = new(false);
    private readonly Lock _gate = new();
    private readonly List<(string Filter, int Qos)> _subscriptions = [];
    private readonly Dictionary<uint, nint> _expiryProperties = [];
    private readonly Random _jitter = new();
    private GCHandle _self;
    private nint _connectProperties;
    private Thread? _thread;
    private volatile bool _stopping;
    private volatile bool _connected;
    private volatile string? _refusal;
    private TaskCompletionSource _connectedOnce = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _callbackFaults;
    private int _generation;
    private bool _disposed;

    public MosquittoClient(MosquittoClientOptions options)
    {
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid MQTT client options: {string.Join("; ", problems)}", nameof(options));
        }

        _options = options;
        MosquittoLibrary.EnsureInitialized();
        _self = GCHandle.Alloc(this);
        _handle = MosquittoNative.mosquitto_new(options.ClientId, options.CleanSession, GCHandle.ToIntPtr(_self));
        if (_handle.IsInvalid)
        {
            var errno = Marshal.GetLastPInvokeError();
            _self.Free();
            throw new MosquittoException($"mosquitto_new failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", MosquittoErrors.Errno, errno);
        }

        try
        {
            Configure(options);
        }
        catch
        {
            _handle.Dispose();
            _self.Free();
            throw;
        }
    }

    /// <summary>Raised after every successful CONNACK, with a number that grows by one per connection.</summary>
    public event Action<int>? Connected;

    /// <summary>Raised when a connection attempt fails (refused, TLS, watchdog) or a live connection drops.</summary>
    public event Action<MqttConnectionLost>? ConnectionLost;

    /// <summary>Raised when a QoS 1 PUBACK arrives: message id and MQTT v5 reason code (0 under 3.1.1; 0x80 and above is a refusal).</summary>
    public event Action<int, int>? PublishCompleted;

    /// <summary>Raised for each message on a subscribed filter. The message is a copy and can be kept.</summary>
    public event Action<MqttMessage>? MessageReceived;

    public bool IsConnected => _connected;

    /// <summary>How many connections have completed (CONNACK accepted) since <see cref="Start"/>.</summary>
    public int Generation => Volatile.Read(ref _generation);

    public long CallbackFaults => Interlocked.Read(ref _callbackFaults);

    public MosquittoClientOptions Options => _options;

    /// <summary>Starts the network thread. Connection progress is reported through the events.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_thread is not null)
        {
            throw new InvalidOperationException("The client is already started.");
        }

        _thread = new Thread(NetworkLoop) { IsBackground = true, Name = $"mqtt:{_options.ClientId}" };
        _thread.Start();
    }

    /// <summary>Completes when the client is connected, or returns false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!_connected)
        {
            var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            Task waiter;
            lock (_gate)
            {
                waiter = _connectedOnce.Task;
            }

            await Task.WhenAny(waiter, Task.Delay(left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50), cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }

        return true;
    }

    /// <summary>Queues one PUBLISH and returns its message id. QoS 1 completion is reported through <see cref="PublishCompleted"/>.</summary>
    /// <remarks>messageExpiry is MQTT v5 only (ignored under 3.1.1): the broker discards the message if undelivered after this long.</remarks>
    /// <exception cref="MosquittoException">Not connected (MOSQ_ERR_NO_CONN), payload too large, invalid topic.</exception>
    public int Publish(string topic, ReadOnlySpan<byte> payload, int qos = 1, bool retain = false, TimeSpan? messageExpiry = null)
    {
        var rc = TryPublish(topic, payload, qos, retain, messageExpiry, out var mid);
        if (rc != MosquittoErrors.Success)
        {
            MosquittoErrors.Check(rc, $"publish to '{topic}'");
        }

        return mid;
    }

    /// <summary>Like <see cref="Publish"/>, but returns the MOSQ_ERR_* code instead of throwing (the drain loop's hot path).</summary>
    public unsafe int TryPublish(string topic, ReadOnlySpan<byte> payload, int qos, bool retain, TimeSpan? messageExpiry, out int mid)
    {
        var properties = messageExpiry is { } expiry && _options.Protocol == MqttProtocol.V5 ? ExpiryProperties(expiry) : 0;
        fixed (byte* data = payload)
        {
            return MosquittoNative.mosquitto_publish_v5(_handle, out mid, topic, payload.Length, data, qos, retain, properties);
        }
    }

    /// <summary>Subscribes now if connected, and again after every reconnect.</summary>
    public void Subscribe(string filter, int qos = 1)
    {
        lock (_gate)
        {
            _subscriptions.Add((filter, qos));
        }

        if (_connected)
        {
            // If the connection drops before SUBACK, the reconnect path subscribes again.
            _ = MosquittoNative.mosquitto_subscribe(_handle, out _, filter, qos);
        }
    }

    /// <summary>Stops the network thread: a connected client sends DISCONNECT first, so the broker does not publish the last will.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        if (Thread.CurrentThread == _thread)
        {
            // Called from an event handler (or a continuation it ran inline): the network thread cannot join
            // itself, so the rest of the disposal happens on the thread pool once this handler returns.
            _ = Task.Run(Dispose);
            _stopping = true;
            return;
        }

        _disposed = true;
        _stopping = true;
        _stopSignal.Set();
        if (_thread is not null && !_thread.Join(TimeSpan.FromSeconds(10)))
        {
            // The thread is stuck in a blocking connect; destroying the handle under it would be a use-after-free.
            return;
        }

        _handle.Dispose();
        lock (_gate)
        {
            foreach (var list in _expiryProperties.Values)
            {
                var p = list;
                MosquittoNative.mosquitto_property_free_all(ref p);
            }

            _expiryProperties.Clear();
        }

        if (_connectProperties != 0)
        {
            MosquittoNative.mosquitto_property_free_all(ref _connectProperties);
        }

        _self.Free();
        _stopSignal.Dispose();
    }

    private unsafe void Configure(MosquittoClientOptions options)
    {
        MosquittoErrors.Check(MosquittoNative.mosquitto_threaded_set(_handle, true), "mosquitto_threaded_set");
        var version = options.Protocol == MqttProtocol.V5 ? MosquittoNative.MQTT_PROTOCOL_V5 : MosquittoNative.MQTT_PROTOCOL_V311;
        MosquittoErrors.Check(MosquittoNative.mosquitto_int_option(_handle, MosquittoNative.MOSQ_OPT_PROTOCOL_VERSION, version), "set protocol version");
        MosquittoErrors.Check(MosquittoNative.mosquitto_int_option(_handle, MosquittoNative.MOSQ_OPT_SEND_MAXIMUM, options.MaxInflight), "set send maximum");
        MosquittoErrors.Check(MosquittoNative.mosquitto_int_option(_handle, MosquittoNative.MOSQ_OPT_TCP_NODELAY, 1), "set TCP_NODELAY");
        if (options.Username is not null)
        {
            MosquittoErrors.Check(MosquittoNative.mosquitto_username_pw_set(_handle, options.Username, options.Password), "set username and password");
        }

        if (options.Tls is { } tls)
        {
            foreach (var file in new[] { tls.CaFile, tls.CertFile, tls.KeyFile })
            {
                if (file is not null && !File.Exists(file))
                {
                    throw new MosquittoException($"TLS file not found: {file}", 3, 0);
                }
            }

            MosquittoErrors.Check(MosquittoNative.mosquitto_tls_set(_handle, tls.CaFile, null, tls.CertFile, tls.KeyFile, 0), "mosquitto_tls_set");
        }

        if (options.Will is { } will)
        {
            fixed (byte* data = will.Payload)
            {
                MosquittoErrors.Check(MosquittoNative.mosquitto_will_set(_handle, will.Topic, will.Payload.Length, data, will.Qos, will.Retain), "set last will");
            }
        }

        if (options.Protocol == MqttProtocol.V5 && options.SessionExpiry > TimeSpan.Zero)
        {
            MosquittoErrors.Check(
                MosquittoNative.mosquitto_property_add_int32(ref _connectProperties, MosquittoNative.MQTT_PROP_SESSION_EXPIRY_INTERVAL, (uint)options.SessionExpiry.TotalSeconds),
                "add session expiry");
        }

        MosquittoNative.mosquitto_connect_callback_set(_handle, &OnConnect);
        MosquittoNative.mosquitto_publish_v5_callback_set(_handle, &OnPublish);
        MosquittoNative.mosquitto_message_callback_set(_handle, &OnMessage);
    }

    private nint ExpiryProperties(TimeSpan expiry)
    {
        var seconds = (uint)Math.Max(1, expiry.TotalSeconds);
        lock (_gate)
        {
            if (!_expiryProperties.TryGetValue(seconds, out var list))
            {
                MosquittoErrors.Check(
                    MosquittoNative.mosquitto_property_add_int32(ref list, MosquittoNative.MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, seconds), "add message expiry");
                _expiryProperties[seconds] = list;
            }

            return list;
        }
    }

    private void NetworkLoop()
    {
        var attempt = 0;
        var keepAlive = (int)_options.KeepAlive.TotalSeconds;
        while (!_stopping)
        {
            _refusal = null;
            var rc = MosquittoNative.mosquitto_connect_bind_v5(_handle, _options.Host, _options.Port, keepAlive, null, _connectProperties);
            if (rc != MosquittoErrors.Success)
            {
                var errno = rc == MosquittoErrors.Errno ? Marshal.GetLastPInvokeError() : 0;
                Report(new MqttConnectionLost($"connect to {_options.Host}:{_options.Port} failed: {MosquittoErrors.Describe(rc, errno)}{(IsTls(rc) ? TlsHint() : string.Empty)}", false, IsTls(rc)));
                Backoff(ref attempt);
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            string? reason = null;
            var tlsProblem = false;
            while (!_stopping)
            {
                rc = MosquittoNative.mosquitto_loop(_handle, 100, 1);
                if (rc != MosquittoErrors.Success)
                {
                    var errno = rc == MosquittoErrors.Errno ? Marshal.GetLastPInvokeError() : 0;
                    reason = _refusal ?? (_connected ? "connection lost: " : "connect failed: ") + MosquittoErrors.Describe(rc, errno);
                    tlsProblem = IsTls(rc);
                    if (tlsProblem && !_connected)
                    {
                        reason += TlsHint();
                    }

                    break;
                }

                if (!_connected && Stopwatch.GetElapsedTime(started) > _options.ConnectTimeout)
                {
                    reason = $"no CONNACK from {_options.Host}:{_options.Port} within {_options.ConnectTimeout.TotalSeconds:0.#} s (connect watchdog)"
                             + (_options.Tls is null ? string.Empty : $"; with TLS this usually means the broker's certificate did not verify against '{_options.Tls.CaFile}'");
                    tlsProblem = _options.Tls is not null;
                    MosquittoNative.mosquitto_disconnect(_handle);
                    break;
                }
            }

            var wasConnected = _connected;
            if (_stopping)
            {
                if (wasConnected)
                {
                    FlushDisconnect();
                }

                _connected = false;
                break;
            }

            _connected = false;
            if (wasConnected)
            {
                attempt = 0;
            }

            Report(new MqttConnectionLost(reason ?? "connection ended", wasConnected, tlsProblem));
            Backoff(ref attempt);
        }
    }

    private void FlushDisconnect()
    {
        MosquittoNative.mosquitto_disconnect(_handle);
        for (var i = 0; i < 20; i++)
        {
            if (MosquittoNative.mosquitto_loop(_handle, 50, 1) != MosquittoErrors.Success)
            {
                break;
            }
        }
    }

    // Wrong CA fails either at connect (rc 8) or later in the loop, depending on timing; both get the same advice.
    private string TlsHint() => $"; check that the broker's certificate is signed by the CA in '{_options.Tls?.CaFile}' and names '{_options.Host}'";

    private static bool IsTls(int rc) => rc is MosquittoErrors.Tls or MosquittoErrors.TlsHandshake;

    private void Backoff(ref int attempt)
    {
        var min = _options.ReconnectDelayMin.TotalMilliseconds;
        var cap = Math.Min(_options.ReconnectDelayMax.TotalMilliseconds, min * Math.Pow(2, Math.Min(attempt, 20)));
        // Jitter in [cap/2, cap] spreads a line's worth of stations reconnecting after a gateway restart.
        var delay = cap / 2 + (_jitter.NextDouble() * cap / 2);
        attempt++;
        _stopSignal.Wait(TimeSpan.FromMilliseconds(delay));
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

    private void HandleConnect(int rc)
    {
        if (rc != 0)
        {
            var text = _options.Protocol == MqttProtocol.V5
                ? Marshal.PtrToStringUTF8(MosquittoNative.mosquitto_reason_string(rc))
                : Marshal.PtrToStringUTF8(MosquittoNative.mosquitto_connack_string(rc));
            _refusal = $"broker refused the connection: {text} (code {rc})";
            return;
        }

        List<(string Filter, int Qos)> subscriptions;
        TaskCompletionSource connected;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions];
            connected = _connectedOnce;
            _connectedOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        foreach (var (filter, qos) in subscriptions)
        {
            _ = MosquittoNative.mosquitto_subscribe(_handle, out _, filter, qos);
        }

        _connected = true;
        var generation = Interlocked.Increment(ref _generation);
        connected.TrySetResult();
        Connected?.Invoke(generation);
    }

    private static MosquittoClient? Self(nint obj) => obj == 0 ? null : GCHandle.FromIntPtr(obj).Target as MosquittoClient;

    [UnmanagedCallersOnly]
    private static void OnConnect(nint mosq, nint obj, int rc)
    {
        var self = Self(obj);
        try
        {
            self?.HandleConnect(rc);
        }
        catch (Exception)
        {
            if (self is not null)
            {
                Interlocked.Increment(ref self._callbackFaults);
            }
        }
    }

    [UnmanagedCallersOnly]
    private static void OnPublish(nint mosq, nint obj, int mid, int reasonCode, nint properties)
    {
        var self = Self(obj);
        try
        {
            self?.PublishCompleted?.Invoke(mid, reasonCode);
        }
        catch (Exception)
        {
            if (self is not null)
            {
                Interlocked.Increment(ref self._callbackFaults);
            }
        }
    }

    [UnmanagedCallersOnly]
    private static unsafe void OnMessage(nint mosq, nint obj, MosquittoNative.mosquitto_message* message)
    {
        var self = Self(obj);
        try
        {
            if (self?.MessageReceived is { } handler)
            {
                // libmosquitto frees the message when this returns: copy topic and payload now.
                var topic = Marshal.PtrToStringUTF8(message->topic) ?? string.Empty;
                var payload = message->payloadlen > 0 ? new ReadOnlySpan<byte>((void*)message->payload, message->payloadlen).ToArray() : [];
                handler(new MqttMessage(topic, payload, message->qos, message->retain != 0));
            }
        }
        catch (Exception)
        {
            if (self is not null)
            {
                Interlocked.Increment(ref self._callbackFaults);
            }
        }
    }
}
