namespace EdgeInspect.Worker.Link;

/// <summary>Live counters of the plant link; read them from any thread (metrics, dashboard, tests).</summary>
public sealed class LinkCounters
{
    private long _published;
    private long _acknowledged;
    private long _brokerRejected;
    private long _unacknowledged;
    private long _reconnects;
    private long _retainedAcknowledged;

    /// <summary>Outbox records handed to the MQTT client (resends included).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>PUBACKs with a success reason code: each removed a record from the outbox.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>
    /// PUBACKs with a reason code of 0x80 or above (e.g. 0x87 not authorized). The record stays in the outbox and is
    /// published again after <see cref="LinkOptions.RefusedRetryDelay"/> or on the next connection.
    /// </summary>
    public long BrokerRejected => Interlocked.Read(ref _brokerRejected);

    /// <summary>Publishes that ended without a PUBACK (the connection dropped): the record stays and is replayed after reconnect.</summary>
    public long Unacknowledged => Interlocked.Read(ref _unacknowledged);

    /// <summary>Retained messages (birth, alert states) the broker acknowledged; they are published again on every connect.</summary>
    public long RetainedAcknowledged => Interlocked.Read(ref _retainedAcknowledged);

    /// <summary>Connections after the first one.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    internal void AddPublished() => Interlocked.Increment(ref _published);

    internal void AddAcknowledged() => Interlocked.Increment(ref _acknowledged);

    internal void AddBrokerRejected() => Interlocked.Increment(ref _brokerRejected);

    internal void AddUnacknowledged() => Interlocked.Increment(ref _unacknowledged);

    internal void AddRetainedAcknowledged() => Interlocked.Increment(ref _retainedAcknowledged);

    internal void AddReconnect() => Interlocked.Increment(ref _reconnects);
}
