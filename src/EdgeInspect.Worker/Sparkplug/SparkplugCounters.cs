namespace EdgeInspect.Worker.Sparkplug;

/// <summary>Live counters of the edge node; read them from any thread.</summary>
internal sealed class SparkplugCounters
{
    private long _sessions, _births, _rebirthRequests, _published, _historical, _confirmed, _writesAccepted, _writesRefused,
        _commandsMalformed, _commandsDropped, _stateMessages, _hostOfflineDisconnects, _corruptRecords;

    /// <summary>MQTT sessions established (each with its own bdSeq).</summary>
    public long Sessions => Interlocked.Read(ref _sessions);

    /// <summary>NBIRTHs published (first births and rebirths).</summary>
    public long Births => Interlocked.Read(ref _births);

    public long RebirthRequests => Interlocked.Read(ref _rebirthRequests);

    /// <summary>NDATA and DDATA published (resends after a lost session included).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Of <see cref="Published"/>, those flagged is_historical.</summary>
    public long PublishedHistorical => Interlocked.Read(ref _historical);

    /// <summary>Stored records the broker confirmed (a PINGRESP after them) and that left the outbox.</summary>
    public long Confirmed => Interlocked.Read(ref _confirmed);

    public long WritesAccepted => Interlocked.Read(ref _writesAccepted);

    /// <summary>NCMD writes refused: writes not allowed, a read-only metric, a wrong type, a retained NCMD, or the command's own validation.</summary>
    public long WritesRefused => Interlocked.Read(ref _writesRefused);

    public long CommandsMalformed => Interlocked.Read(ref _commandsMalformed);

    /// <summary>NCMDs not looked at because too many were already waiting.</summary>
    public long CommandsDropped => Interlocked.Read(ref _commandsDropped);

    public long StateMessages => Interlocked.Read(ref _stateMessages);

    public long HostOfflineDisconnects => Interlocked.Read(ref _hostOfflineDisconnects);

    /// <summary>Stored records that could not be read back (deleted and counted, never sent).</summary>
    public long CorruptRecords => Interlocked.Read(ref _corruptRecords);

    internal void Session() => Interlocked.Increment(ref _sessions);

    internal void Birth() => Interlocked.Increment(ref _births);

    internal void RebirthRequest() => Interlocked.Increment(ref _rebirthRequests);

    internal void Data(bool historical)
    {
        Interlocked.Increment(ref _published);
        if (historical)
        {
            Interlocked.Increment(ref _historical);
        }
    }

    internal void Confirm(int count) => Interlocked.Add(ref _confirmed, count);

    internal void WriteAccepted() => Interlocked.Increment(ref _writesAccepted);

    internal void WriteRefused() => Interlocked.Increment(ref _writesRefused);

    internal void CommandMalformed() => Interlocked.Increment(ref _commandsMalformed);

    internal void CommandDropped() => Interlocked.Increment(ref _commandsDropped);

    internal void StateMessage() => Interlocked.Increment(ref _stateMessages);

    internal void HostOfflineDisconnect() => Interlocked.Increment(ref _hostOfflineDisconnects);

    internal void CorruptRecord() => Interlocked.Increment(ref _corruptRecords);
}
