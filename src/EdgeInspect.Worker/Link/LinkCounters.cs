namespace EdgeInspect.Worker.Link;

/// <summary>Live counters of the plant link; read them from any thread (metrics, dashboard, tests).</summary>
public sealed class LinkCounters
{
    private long _published;
    private long _acknowledged;
    private long _brokerRejected;
    private long _reconnects;
    private long _commandsAccepted;
    private long _commandsRejected;
    private long _commandsDropped;

    /// <summary>PUBLISH packets handed to libmosquitto from the outbox (resends included).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>PUBACKs that removed a record from the outbox.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>PUBACKs with a v5 failure reason (e.g. not authorized): the record stays and is retried after the next reconnect.</summary>
    public long BrokerRejected => Interlocked.Read(ref _brokerRejected);

    /// <summary>Connections after the first one.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long CommandsAccepted => Interlocked.Read(ref _commandsAccepted);

    public long CommandsRejected => Interlocked.Read(ref _commandsRejected);

    /// <summary>Commands not even looked at because too many were already waiting (a flood).</summary>
    public long CommandsDropped => Interlocked.Read(ref _commandsDropped);

    internal void AddPublished(long n = 1) => Interlocked.Add(ref _published, n);

    internal void AddAcknowledged() => Interlocked.Increment(ref _acknowledged);

    internal void AddBrokerRejected() => Interlocked.Increment(ref _brokerRejected);

    internal void AddReconnect() => Interlocked.Increment(ref _reconnects);

    internal void AddCommand(bool accepted) => Interlocked.Increment(ref accepted ? ref _commandsAccepted : ref _commandsRejected);

    internal void AddCommandDropped() => Interlocked.Increment(ref _commandsDropped);
}
