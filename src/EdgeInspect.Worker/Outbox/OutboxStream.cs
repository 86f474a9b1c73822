using EdgeInspect.Core.Messages;

namespace EdgeInspect.Worker.OutboxStage;

/// <summary>
/// A named stream in the outbox file for a consumer other than the link (the Sparkplug edge node keeps its NDATA and
/// DDATA here while it cannot publish them). The link never reads these records and the stream's consumer never reads
/// the link's, so neither can acknowledge (delete) the other's.
/// </summary>
/// <remarks>
/// <para>What it shares with the link's records: the file, the writer task and its group commit, and the caps
/// (<see cref="OutboxOptions.MaxRecords"/>, <see cref="OutboxOptions.MaxBytes"/>, the near-cap alert), which count both.
/// The rules follow the kind given at enqueue: a <see cref="MessageKind.Metrics"/> record drops the oldest metrics-kind
/// record of this stream when the outbox is full (counted in <see cref="Dropped"/>); any other kind waits for room.</para>
/// <para>What it does not share: records carry no envelope and take no device seq (the link's seqs stay gap-free); they
/// are numbered by an id of their own, increasing across restarts.</para>
/// <para>Threading: <see cref="EnqueueAsync"/> from any thread; <see cref="ReadAfter"/> from one consumer at a time.</para>
/// </remarks>
public sealed class OutboxStream
{
    private readonly Outbox _outbox;
    private readonly OutboxStore.StreamReader _reader;
    private readonly SemaphoreSlim _newRecords = new(0);
    private long _depth;
    private long _bytes;
    private long _droppable;
    private long _dropped;

    internal OutboxStream(Outbox outbox, string name, OutboxStore.StreamReader reader, (long Count, long Bytes, long Droppable) totals)
    {
        _outbox = outbox;
        _reader = reader;
        Name = name;
        (_depth, _bytes, _droppable) = totals;
    }

    public string Name { get; }

    /// <summary>Records of this stream waiting for their consumer's acknowledgement.</summary>
    public long Depth => Interlocked.Read(ref _depth);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Metrics-kind records dropped (oldest first) to make room, or refused because nothing of this stream could make room.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The latest id handed out by the outbox to any stream: a record enqueued later has a higher id.</summary>
    public long LastId => _outbox.StreamLastId;

    internal long DroppableDepth => Interlocked.Read(ref _droppable);

    /// <summary>Writes one record (bytes as given) and returns its id once it is on disk; -1 when a metrics-kind record was dropped.</summary>
    /// <param name="kind">The durability class: <see cref="MessageKind.Metrics"/> may be dropped when full, anything else waits for room.</param>
    /// <param name="payload">The record, stored as is.</param>
    /// <param name="cancellationToken">Cancels a wait for room; a record already handed to the writer is still written.</param>
    /// <remarks>The id is assigned before the first wait, in call order: two calls on one thread keep their order.</remarks>
    public ValueTask<long> EnqueueAsync(MessageKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        _outbox.EnqueueToStreamAsync(this, kind, payload, cancellationToken);

    /// <summary>Committed records after <paramref name="afterId"/>, in id order (one consumer at a time).</summary>
    public List<OutboxRecord> ReadAfter(long afterId, int limit) => _reader.ReadAfter(afterId, limit);

    /// <summary>The consumer has delivered <paramref name="id"/>: it is deleted in the next group commit.</summary>
    public void Acknowledge(long id) => _outbox.AcknowledgeInStream(this, id);

    /// <summary>Waits until new records of this stream are committed, or the timeout passes.</summary>
    public Task<bool> WaitForRecordsAsync(TimeSpan timeout, CancellationToken cancellationToken) => _newRecords.WaitAsync(timeout, cancellationToken);

    internal void Added(long bytes, bool droppable)
    {
        Interlocked.Increment(ref _depth);
        Interlocked.Add(ref _bytes, bytes);
        if (droppable)
        {
            Interlocked.Increment(ref _droppable);
        }
    }

    internal void Removed(in StreamDelta delta)
    {
        Interlocked.Add(ref _depth, -delta.Removed);
        Interlocked.Add(ref _bytes, -delta.RemovedBytes);
        Interlocked.Add(ref _droppable, -delta.RemovedDroppable);
        Interlocked.Add(ref _dropped, delta.Dropped);
    }

    internal void Cleared()
    {
        Interlocked.Exchange(ref _depth, 0);
        Interlocked.Exchange(ref _bytes, 0);
        Interlocked.Exchange(ref _droppable, 0);
    }

    internal void CountDrop() => Interlocked.Increment(ref _dropped);

    internal void Committed()
    {
        if (_newRecords.CurrentCount == 0)
        {
            _newRecords.Release();
        }
    }

    internal void Close()
    {
        _reader.Dispose();
        _newRecords.Dispose();
    }
}
