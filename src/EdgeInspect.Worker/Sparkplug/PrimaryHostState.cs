using System.Text.Json;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>What a STATE message from the primary host means for the edge node.</summary>
internal enum HostStateChange
{
    /// <summary>Unreadable, empty (a cleared retained message), or older than the latest one seen: nothing changes.</summary>
    Ignored,

    /// <summary>The host is online: the node may publish its birth.</summary>
    Online,

    /// <summary>The host went offline: a born node publishes NDEATH, disconnects and stores until it is back.</summary>
    Offline,
}

/// <summary>
/// The primary host application's state as its retained <c>spBv1.0/STATE/{hostId}</c> messages tell it (Sparkplug
/// 3.0: UTF-8 JSON <c>{"online":true|false,"timestamp":ms}</c>). A message whose timestamp is older than the latest
/// accepted one comes from an earlier host session (a late will) and is ignored.
/// </summary>
/// <remarks>Thread-safe. Survives reconnects of the node: a host's timestamps only grow.</remarks>
internal sealed class PrimaryHostState
{
    private readonly Lock _gate = new();
    private long? _timestamp;
    private bool _online;

    public bool IsOnline
    {
        get
        {
            lock (_gate)
            {
                return _online;
            }
        }
    }

    private long _malformed;

    /// <summary>STATE messages that could not be read (not JSON, no boolean online, no numeric timestamp).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>
    /// A new session starts: the host must say online again in it (its retained STATE arrives after the subscription).
    /// The latest timestamp is kept, so a stale message from an earlier host session is still recognised.
    /// </summary>
    public void Forget()
    {
        lock (_gate)
        {
            _online = false;
        }
    }

    public HostStateChange Observe(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return HostStateChange.Ignored;
        }

        bool online;
        long timestamp;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 4 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("online", out var o) || o.ValueKind is not (JsonValueKind.True or JsonValueKind.False)
                || !root.TryGetProperty("timestamp", out var t) || t.ValueKind != JsonValueKind.Number || !t.TryGetInt64(out timestamp))
            {
                Interlocked.Increment(ref _malformed);

                return HostStateChange.Ignored;
            }

            online = o.GetBoolean();
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref _malformed);

            return HostStateChange.Ignored;
        }

        lock (_gate)
        {
            if (_timestamp is { } latest && timestamp < latest)
            {
                return HostStateChange.Ignored;
            }

            _timestamp = timestamp;
            _online = online;
            return online ? HostStateChange.Online : HostStateChange.Offline;
        }
    }
}
