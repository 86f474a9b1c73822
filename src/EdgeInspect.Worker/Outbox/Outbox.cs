using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using EdgeInspect.Core.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.OutboxStage;

/// <summary>How full the outbox is, when it crosses its near-cap line in either direction.</summary>
/// <param name="NearCap">True when the fill reached <see cref="OutboxOptions.NearCapFraction"/>; false when it fell back below 80% of it.</param>
/// <param name="Fill">Records or bytes against their cap, whichever is higher (0..1).</param>
/// <param name="Depth">Records in the outbox.</param>
/// <param name="Bytes">Payload bytes in the outbox.</param>
/// <param name="CapRecords">The record cap.</param>
public readonly record struct OutboxFill(bool NearCap, double Fill, long Depth, long Bytes, long CapRecords);

/// <summary>
/// The one durable queue between the pipeline and the plant: every stream message is written here, fsynced, and only
/// then published; it leaves when the link acknowledges it. Assigns the per-device seq (monotonic across restarts) and
/// the boot epoch, and writes the envelope. It knows message kinds, not topics or brokers.
/// </summary>
/// <remarks>
/// <para>Threading: <see cref="EnqueueAsync(MessageKind, ReadOnlyMemory{byte}, CancellationToken)"/> may be called from any
/// number of threads. A single writer task batches whatever is waiting into one transaction (group commit), so many
/// concurrent producers share one fsync; a single sequential producer pays one fsync per message.</para>
/// <para>Capacity: results, alerts, events and command responses are never dropped. At
/// <see cref="OutboxOptions.NearCapFraction"/> the outbox raises <see cref="NearCapChanged"/> (the station turns it into the
/// retained alert <c>outbox-near-cap</c>); at the cap, EnqueueAsync waits until acknowledgements make room
/// (back-pressure). Alerts may use a small reserve above the cap so that an alert about the cap can always be written.
/// Metrics instead drop their oldest entries, counted in <see cref="DroppedMetrics"/>.</para>
/// <para>Named streams (<see cref="OpenStream"/>) hold a second consumer's records in the same file and under the same
/// caps; <see cref="Depth"/> and <see cref="Bytes"/> count the link's records only, <see cref="Fill"/> counts both.</para>
/// <para>Disk: <see cref="Disk"/> checks the filesystem's free space before each record is written and drops by kind
/// when it runs short (metrics first, then new records; see <see cref="DiskSpaceGuard"/>), so a full disk costs
/// counted, alerted records instead of failed commits. A commit that fails for want of room all the same drops its
/// records the same way (EnqueueAsync answers -1).</para>
/// </remarks>
public sealed class Outbox : IAsyncDisposable
{
    private readonly OutboxStore _store;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _seqGate = new();

    // The envelope of each stream message is written here, under _seqGate; the record keeps an exact copy.
    private readonly PooledBufferWriter _envelopeBuffer = new();
    private readonly Utf8JsonWriter _envelopeWriter;
    private readonly Task _writer;
    private readonly SemaphoreSlim _newRecords = new(0);
    private readonly Lock _roomGate = new();
    private TaskCompletionSource _room = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _alertReserve;
    private long _lastSeq;
    private long _depth;
    private long _bytes;
    private long _metricsDepth;
    private long _droppedMetrics;
    private long _committed;
    private long _lastStreamId;
    private long _streamDepth;
    private long _streamBytes;
    private readonly Dictionary<string, OutboxStream> _streams = new(StringComparer.Ordinal);
    private int _heldForRoom;
    private int _nearCap;
    private int _diskFullLogged;
    private long _lastCheckpoint;

    private Outbox(OutboxStore store, long bootEpoch, OutboxOptions options, string deviceId, TimeProvider time, ILogger logger)
    {
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        DeviceId = deviceId;
        BootEpoch = bootEpoch;
        _lastSeq = store.LastSeq();
        (_depth, _bytes, _metricsDepth) = store.Totals();
        _lastStreamId = store.StreamLastId();
        (_streamDepth, _streamBytes) = store.AllStreamTotals();
        _alertReserve = Math.Max(16, options.MaxRecords / 100);
        _envelopeWriter = new Utf8JsonWriter(_envelopeBuffer, Envelope.Options);
        Disk = new DiskSpaceGuard(Path.GetDirectoryName(Path.GetFullPath(options.Path))!, options.DiskReserveBytes, time);
        Disk.SetFreePages(store.FreeBytes());
        _writer = Task.Run(WriterLoopAsync);
    }

    /// <summary>Opens the outbox file, starting a new boot epoch. Records a crash left behind are kept and published first.</summary>
    /// <param name="options">Where and how much.</param>
    /// <param name="deviceId">The station's device id (the <c>station</c> section), carried in every envelope.</param>
    /// <param name="time">The clock for envelope timestamps.</param>
    /// <param name="logger">Logging.</param>
    public static Outbox Open(OutboxOptions options, string deviceId, TimeProvider? time = null, ILogger<Outbox>? logger = null)
    {
        var store = OutboxStore.Open(options.Path, out var epoch, options.DiskReserveBytes / 4);
        var outbox = new Outbox(store, epoch, options, deviceId, time ?? TimeProvider.System, (ILogger?)logger ?? NullLogger.Instance);
        if (outbox.Depth > 0)
        {
            outbox._logger.LogInformation("Outbox {Path} resumes with {Depth} unsent records (boot epoch {Epoch})", options.Path, outbox.Depth, epoch);
        }

        return outbox;
    }

    public long BootEpoch { get; }

    public string DeviceId { get; }

    public OutboxOptions Options => _options;

    /// <summary>The latest seq handed out.</summary>
    public long LastSeq => Interlocked.Read(ref _lastSeq);

    /// <summary>Records waiting for acknowledgement (committed or about to be).</summary>
    public long Depth => Interlocked.Read(ref _depth);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long DroppedMetrics => Interlocked.Read(ref _droppedMetrics);

    /// <summary>Records committed to disk since open.</summary>
    public long Committed => Interlocked.Read(ref _committed);

    public bool IsNearCap => Volatile.Read(ref _nearCap) == 1;

    /// <summary>The free-space check of the outbox's filesystem: its level, its drops, and the event the station alerts on.</summary>
    public DiskSpaceGuard Disk { get; }

    /// <summary>Enqueues waiting for room right now (back-pressure at the cap).</summary>
    public int HeldForRoom => Volatile.Read(ref _heldForRoom);

    /// <summary>Records or bytes against their cap, whichever is higher (0..1); named streams' records count too.</summary>
    public double Fill => Math.Max((double)(Depth + StreamDepth) / _options.MaxRecords, (double)(Bytes + Interlocked.Read(ref _streamBytes)) / _options.MaxBytes);

    /// <summary>Records of every named stream, waiting for their consumers.</summary>
    public long StreamDepth => Interlocked.Read(ref _streamDepth);

    internal long StreamLastId => Interlocked.Read(ref _lastStreamId);

    /// <summary>
    /// Raised when the fill crosses <see cref="OutboxOptions.NearCapFraction"/> (up) or 80% of it (down), at most once
    /// per crossing, on the thread that changed the fill. Handlers must not block; they may enqueue (alerts have a reserve).
    /// </summary>
    public event Action<OutboxFill>? NearCapChanged;

    /// <summary>Raised after retained state is stored, so a connected link publishes it at once.</summary>
    public event Action<RetainedRecord>? RetainedChanged;

    /// <summary>Writes a stream message (envelope around <paramref name="bodyJson"/>) and returns its seq once it is on disk.</summary>
    /// <param name="kind">Decides durability and what happens when full (and, for the link, the topic).</param>
    /// <param name="bodyJson">One JSON value: the body of the envelope.</param>
    /// <param name="cancellationToken">Cancels a wait for room; a message already handed to the writer is still written.</param>
    /// <returns>The seq; -1 when the record was dropped: a metrics snapshot in an outbox full of records that may not be
    /// dropped, or any record the disk has no room for (counted in <see cref="Disk"/>).</returns>
    public async ValueTask<long> EnqueueAsync(MessageKind kind, ReadOnlyMemory<byte> bodyJson, CancellationToken cancellationToken = default)
    {
        if (!Disk.Admit(kind, bodyJson.Length))
        {
            return -1;
        }

        var dropOldest = 0;
        if (kind.IsDroppable())
        {
            if (IsFull(bodyJson.Length, 0))
            {
                if (Interlocked.Read(ref _metricsDepth) == 0)
                {
                    Interlocked.Increment(ref _droppedMetrics);
                    return -1;
                }

                dropOldest = 1;
            }
        }
        else
        {
            await WaitForRoomAsync(bodyJson.Length, kind == MessageKind.Alert ? _alertReserve : 0, cancellationToken);
        }

        var work = Append(kind, bodyJson.Span, dropOldest, trustedBody: false);
        await work.Done.Task.WaitAsync(cancellationToken);
        return work.DroppedForDisk ? -1 : work.Record!.Seq;
    }

    /// <summary>
    /// Writes a stream message whose body <paramref name="writeBody"/> writes straight into a pooled buffer (the
    /// per-part path: results), so the only allocation is the payload the outbox keeps until it is on disk. Same
    /// semantics as <see cref="EnqueueAsync(MessageKind, ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// </summary>
    /// <param name="kind">As for the other overload.</param>
    /// <param name="body">What <paramref name="writeBody"/> writes.</param>
    /// <param name="writeBody">Writes one JSON value; a static lambda keeps the call allocation-free.</param>
    /// <param name="cancellationToken">As for the other overload.</param>
    public ValueTask<long> EnqueueAsync<T>(MessageKind kind, T body, Action<Utf8JsonWriter, T> writeBody, CancellationToken cancellationToken = default)
    {
        var scratch = BodyScratch.Rent();
        try
        {
            scratch.Writer.Reset(scratch.Buffer);
            writeBody(scratch.Writer, body);
            scratch.Writer.Flush();
            var bodyJson = scratch.Buffer.WrittenSpan;
            if (!Disk.Admit(kind, bodyJson.Length))
            {
                return ValueTask.FromResult(-1L);
            }

            if (kind.IsDroppable() || IsFull(bodyJson.Length, kind == MessageKind.Alert ? _alertReserve : 0))
            {
                // Waiting for room, or dropping metrics: the general path, with its own copy of the body.
                return EnqueueAsync(kind, bodyJson.ToArray(), cancellationToken);
            }

            return CommittedAsync(Append(kind, bodyJson, 0, trustedBody: true), cancellationToken);
        }
        finally
        {
            BodyScratch.Return(scratch);
        }
    }

    private static async ValueTask<long> CommittedAsync(Work work, CancellationToken cancellationToken)
    {
        await work.Done.Task.WaitAsync(cancellationToken);
        return work.DroppedForDisk ? -1 : work.Record!.Seq;
    }

    /// <summary>Takes the next seq, writes the envelope (in one pooled buffer, under the seq lock) and hands the record to the writer task.</summary>
    private Work Append(MessageKind kind, ReadOnlySpan<byte> bodyJson, int dropOldest, bool trustedBody)
    {
        var work = new Work(dropOldest);
        lock (_seqGate)
        {
            var seq = ++_lastSeq;
            var header = new EnvelopeHeader(kind.Schema(), DeviceId, BootEpoch, seq, _time.GetUtcNow());
            _envelopeBuffer.Clear();
            _envelopeWriter.Reset(_envelopeBuffer);
            try
            {
                Envelope.WriteTo(_envelopeWriter, header, bodyJson, trustedBody);
            }
            catch
            {
                // Nothing was handed out: the seq goes back, so results stay numbered without gaps.
                _lastSeq--;
                throw;
            }

            // In a rented array until its commit: the writer task gives it back (SQLite has its own copy by then).
            work.Record = OutboxRecord.Rent(seq, kind, _envelopeBuffer.WrittenSpan);
            Interlocked.Increment(ref _depth);
            Interlocked.Add(ref _bytes, work.Record.Length);
            if (kind == MessageKind.Metrics)
            {
                Interlocked.Increment(ref _metricsDepth);
            }

            // Inside the lock, so records reach the writer in seq order.
            if (!_work.Writer.TryWrite(work))
            {
                throw new ObjectDisposedException(nameof(Outbox));
            }
        }

        CheckNearCap();
        return work;
    }

    /// <summary>Serializes <paramref name="body"/> with source-generated metadata and enqueues it.</summary>
    public ValueTask<long> EnqueueAsync<T>(MessageKind kind, T body, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) =>
        EnqueueAsync(kind, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, typeInfo), cancellationToken);

    /// <summary>
    /// Sets the retained state of (<paramref name="kind"/>, <paramref name="key"/>), e.g. (Alert, "drift"): stored durably,
    /// published when connected and again after every reconnect. Last value wins; it does not consume a seq (it carries the latest).
    /// </summary>
    public async ValueTask SetRetainedAsync(MessageKind kind, string key, string schema, ReadOnlyMemory<byte> bodyJson, CancellationToken cancellationToken = default)
    {
        var header = new EnvelopeHeader(schema, DeviceId, BootEpoch, LastSeq, _time.GetUtcNow());
        var state = new RetainedRecord(kind, key, Envelope.Write(header, bodyJson.Span));
        var work = new Work(0) { Retained = state };
        if (!_work.Writer.TryWrite(work))
        {
            throw new ObjectDisposedException(nameof(Outbox));
        }

        await work.Done.Task.WaitAsync(cancellationToken);
        RetainedChanged?.Invoke(state);
    }

    /// <summary>
    /// The named stream of a second consumer (created on first use). Its records survive restarts; call once per name
    /// at startup, before the consumer runs. See <see cref="OutboxStream"/>.
    /// </summary>
    public OutboxStream OpenStream(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_streams)
        {
            if (_streams.TryGetValue(name, out var open))
            {
                return open;
            }

            // Totals are read on the reader side: the writer task owns the writer connection.
            var reader = _store.OpenStreamReader(name);
            var stream = new OutboxStream(this, name, reader, reader.Totals());
            _streams[name] = stream;
            if (stream.Depth > 0)
            {
                _logger.LogInformation("Outbox stream {Stream} resumes with {Depth} records", name, stream.Depth);
            }

            return stream;
        }
    }

    /// <summary>
    /// Deletes every record of a stream nobody consumes any more (its consumer was switched off), so they no longer
    /// count against the caps. Returns how many there were. Not for an open stream.
    /// </summary>
    public async Task<long> DiscardStreamAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_streams)
        {
            if (_streams.ContainsKey(name))
            {
                throw new InvalidOperationException($"outbox stream '{name}' is open; only a stream without a consumer can be discarded");
            }
        }

        var work = new Work(0) { DiscardStream = name };
        if (!_work.Writer.TryWrite(work))
        {
            throw new ObjectDisposedException(nameof(Outbox));
        }

        await work.Done.Task.WaitAsync(cancellationToken);
        return work.Discarded;
    }

    internal async ValueTask<long> EnqueueToStreamAsync(OutboxStream stream, MessageKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!Disk.Admit(kind, payload.Length))
        {
            stream.CountDrop();
            return -1;
        }

        var droppable = kind.IsDroppable();
        var work = new Work(0);
        if (droppable)
        {
            if (IsFull(payload.Length, 0))
            {
                if (stream.DroppableDepth == 0)
                {
                    stream.CountDrop();
                    return -1;
                }

                work.StreamDropOldest = true;
            }

            // Synchronous up to here: the id below is taken in call order.
        }
        else
        {
            await WaitForRoomAsync(payload.Length, 0, cancellationToken);
        }

        lock (_seqGate)
        {
            var id = ++_lastStreamId;
            work.Stream = stream;
            work.Record = new OutboxRecord(id, kind, payload.ToArray());
            stream.Added(work.Record.Payload.Length, droppable);
            Interlocked.Increment(ref _streamDepth);
            Interlocked.Add(ref _streamBytes, work.Record.Payload.Length);
            if (!_work.Writer.TryWrite(work))
            {
                throw new ObjectDisposedException(nameof(Outbox));
            }
        }

        CheckNearCap();
        await work.Done.Task.WaitAsync(cancellationToken);
        return work.DroppedForDisk ? -1 : work.Record.Seq;
    }

    internal void AcknowledgeInStream(OutboxStream stream, long id) => _work.Writer.TryWrite(new Work(0) { Stream = stream, Acknowledged = id });

    /// <summary>Called by the link when the broker acknowledged <paramref name="seq"/>; the row is deleted in the next group commit.</summary>
    internal void Acknowledge(long seq) => _work.Writer.TryWrite(new Work(0) { Acknowledged = seq });

    /// <summary>Drain side (one caller at a time): committed records after <paramref name="afterSeq"/> in seq order.</summary>
    internal List<OutboxRecord> ReadAfter(long afterSeq, int limit) => _store.ReadAfter(afterSeq, limit);

    /// <summary>As <see cref="ReadAfter"/>, with each payload in a rented array the caller returns once published (the link).</summary>
    internal List<OutboxRecord> ReadAfterPooled(long afterSeq, int limit) => _store.ReadAfter(afterSeq, limit, pooled: true);

    internal List<RetainedRecord> ReadRetained() => _store.ReadRetained();

    /// <summary>Waits until new records are committed, or the timeout passes.</summary>
    internal Task<bool> WaitForRecordsAsync(TimeSpan timeout, CancellationToken cancellationToken) => _newRecords.WaitAsync(timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        await _writer;
        lock (_streams)
        {
            foreach (var stream in _streams.Values)
            {
                stream.Close();
            }
        }

        _store.Dispose();
        _newRecords.Dispose();
    }

    private bool IsFull(int payloadBytes, long reserve) =>
        Interlocked.Read(ref _depth) + Interlocked.Read(ref _streamDepth) >= _options.MaxRecords + reserve
        || Interlocked.Read(ref _bytes) + Interlocked.Read(ref _streamBytes) + payloadBytes > _options.MaxBytes + (reserve * 4096);

    private async ValueTask WaitForRoomAsync(int payloadBytes, long reserve, CancellationToken cancellationToken)
    {
        if (!IsFull(payloadBytes, reserve))
        {
            return;
        }

        Interlocked.Increment(ref _heldForRoom);
        try
        {
            await WaitUntilRoomAsync(payloadBytes, reserve, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _heldForRoom);
        }
    }

    private async Task WaitUntilRoomAsync(int payloadBytes, long reserve, CancellationToken cancellationToken)
    {
        var warned = false;
        while (IsFull(payloadBytes, reserve))
        {
            Task room;
            lock (_roomGate)
            {
                room = _room.Task;
            }

            if (!IsFull(payloadBytes, reserve))
            {
                break;
            }

            if (!warned)
            {
                _logger.LogWarning("Outbox full ({Depth} records, {Bytes} bytes): holding the pipeline until the broker acknowledges", Depth, Bytes);
                warned = true;
            }

            await room.WaitAsync(TimeSpan.FromMilliseconds(250), cancellationToken).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private void CheckNearCap()
    {
        var fill = Fill;
        bool? nearCap = null;
        if (fill >= _options.NearCapFraction && Interlocked.CompareExchange(ref _nearCap, 1, 0) == 0)
        {
            nearCap = true;
        }
        else if (fill < _options.NearCapFraction * 0.8 && Interlocked.CompareExchange(ref _nearCap, 0, 1) == 1)
        {
            nearCap = false;
        }

        if (nearCap is not { } crossed)
        {
            return;
        }

        _logger.Log(crossed ? LogLevel.Warning : LogLevel.Information, "Outbox {State}: {Fill:P0} full ({Depth} records)", crossed ? "near its cap" : "back below its cap", fill, Depth);
        try
        {
            NearCapChanged?.Invoke(new OutboxFill(crossed, fill, Depth, Bytes, _options.MaxRecords));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "An outbox near-cap handler failed");
        }
    }

    private async Task WriterLoopAsync()
    {
        var reader = _work.Reader;
        var batch = new List<Work>(4096);
        var inserts = new List<OutboxRecord>(4096);
        var acks = new List<long>(4096);
        var retained = new List<RetainedRecord>();
        var streams = new StreamBatch();
        var deltas = new List<StreamDelta>();
        var streamsWritten = new HashSet<OutboxStream>();
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            inserts.Clear();
            acks.Clear();
            retained.Clear();
            streams.Clear();
            deltas.Clear();
            streamsWritten.Clear();
            var fullSync = false;
            var drops = 0;
            // Short of room, batches stay small: a big batch of deletes grows SQLite's log (WAL) by every page it
            // touches before a checkpoint can hand them back, and on a nearly full disk that growth is what fills it.
            var batchLimit = Disk.Level == DiskLevel.Normal ? 4096 : 64;
            while (batch.Count < batchLimit && reader.TryRead(out var work))
            {
                batch.Add(work);
                if (work.DiscardStream is { } discard)
                {
                    Discard(work, discard);
                }
                else if (work.Stream is { } stream)
                {
                    if (work.Record is { } streamRecord)
                    {
                        streams.Inserts.Add((stream.Name, streamRecord));
                        fullSync |= streamRecord.Kind.NeedsFullSync();
                        streamsWritten.Add(stream);
                        if (work.StreamDropOldest)
                        {
                            streams.DropOldest.Add(stream.Name);
                        }
                    }
                    else if (work.Acknowledged is { } id)
                    {
                        streams.Acknowledged.Add((stream.Name, id));
                    }
                }
                else if (work.Record is { } record)
                {
                    inserts.Add(record);
                    fullSync |= record.Kind.NeedsFullSync();
                    drops += work.DropOldestMetrics;

                }
                else if (work.Acknowledged is { } seq)
                {
                    acks.Add(seq);
                }
                else if (work.Retained is { } r)
                {
                    retained.Add(r);
                    fullSync = true;
                }
            }

            if (Disk.Level != DiskLevel.Normal)
            {
                // Short of room: the metrics waiting in the outbox go, oldest first, so their pages go to results.
                drops += (int)Math.Min(256, Interlocked.Read(ref _metricsDepth));
            }

            try
            {
                var result = _store.Commit(inserts, acks, drops, fullSync, retained, streams, deltas);
                Interlocked.Add(ref _committed, inserts.Count + streams.Inserts.Count);
                long streamRemoved = 0;
                foreach (var delta in deltas)
                {
                    StreamNamed(delta.Stream)?.Removed(delta);
                    Interlocked.Add(ref _streamDepth, -delta.Removed);
                    Interlocked.Add(ref _streamBytes, -delta.RemovedBytes);
                    streamRemoved += delta.Removed;
                }
                Interlocked.Add(ref _depth, -(result.DeletedCount + result.DroppedMetrics));
                Interlocked.Add(ref _bytes, -(result.DeletedBytes + result.DroppedBytes));
                Interlocked.Add(ref _metricsDepth, -(result.DeletedMetrics + result.DroppedMetrics));
                Interlocked.Add(ref _droppedMetrics, result.DroppedMetrics);
                foreach (var work in batch)
                {
                    work.Record?.Return();
                    work.Done.TrySetResult();
                }

                if (inserts.Count > 0 && _newRecords.CurrentCount == 0)
                {
                    _newRecords.Release();
                }

                foreach (var stream in streamsWritten)
                {
                    stream.Committed();
                }

                if (result.DeletedCount + result.DroppedMetrics + streamRemoved > 0)
                {
                    TaskCompletionSource room;
                    lock (_roomGate)
                    {
                        room = _room;
                        _room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    room.TrySetResult();
                    CheckNearCap();
                    Disk.SetFreePages(_store.FreeBytes());
                }

                Volatile.Write(ref _diskFullLogged, 0);
                CheckpointWhileShort(deleted: result.DeletedCount + result.DroppedMetrics + streamRemoved > 0);
            }
            catch (Exception e) when (OutboxStore.IsDiskFull(e))
            {
                CheckpointWhileShort(deleted: true);
                // The check let something through that the disk had no room for after all (another writer took it):
                // the records are dropped and counted like the ones the check refuses, without a stack trace each.
                if (Interlocked.Exchange(ref _diskFullLogged, 1) == 0)
                {
                    _logger.LogWarning("Outbox disk full at {Folder}: a commit of {Count} records failed ({Reason}); they are dropped and counted until room returns",
                        Disk.Folder, inserts.Count, e.Message);
                }

                Disk.Refresh();
                if (inserts.Count == 0)
                {
                    // Only deletes failed: give the disk a moment before they are tried again, rather than spin.
                    await Task.Delay(50);
                }

                foreach (var work in batch)
                {
                    if (work.Stream is { } stream)
                    {
                        // A second consumer's records follow the same rule: dropped and counted, acknowledgements retried.
                        if (work.Record is { } lostInStream)
                        {
                            Disk.CountDropped(lostInStream.Kind);
                            var droppable = lostInStream.Kind.IsDroppable() ? 1 : 0;
                            stream.Removed(new StreamDelta(stream.Name, 1, lostInStream.Payload.Length, droppable, 1));
                            Interlocked.Decrement(ref _streamDepth);
                            Interlocked.Add(ref _streamBytes, -lostInStream.Payload.Length);
                            work.DroppedForDisk = true;
                            work.Done.TrySetResult();
                        }
                        else if (work.Acknowledged is { } streamAck)
                        {
                            _work.Writer.TryWrite(new Work(0) { Stream = stream, Acknowledged = streamAck });
                            work.Done.TrySetResult();
                        }
                        else
                        {
                            work.Done.TrySetException(e);
                        }
                    }
                    else if (work.Record is { } lost)
                    {
                        Disk.CountDropped(lost.Kind);
                        work.DroppedForDisk = true;
                        Interlocked.Decrement(ref _depth);
                        Interlocked.Add(ref _bytes, -lost.Length);
                        lost.Return();
                        if (lost.Kind == MessageKind.Metrics)
                        {
                            Interlocked.Decrement(ref _metricsDepth);
                        }

                        work.Done.TrySetResult();
                    }
                    else if (work.Acknowledged is { } again)
                    {
                        // Deletes free room: they are tried again with the next batch.
                        _work.Writer.TryWrite(new Work(0) { Acknowledged = again });
                        work.Done.TrySetResult();
                    }
                    else
                    {
                        work.Done.TrySetException(e);
                    }
                }
            }
            catch (Exception e)
            {
                // A failed commit (disk full, I/O error) fails the callers: nothing was written, nothing is pretended.
                _logger.LogError(e, "Outbox commit of {Count} records failed", inserts.Count);
                foreach (var work in batch)
                {
                    work.Record?.Return();
                    work.Done.TrySetException(e);
                }
            }
        }
    }

    private OutboxStream? StreamNamed(string name)
    {
        lock (_streams)
        {
            return _streams.GetValueOrDefault(name);
        }
    }

    /// <summary>On the writer task (it owns the writer connection): removes a closed stream's records and their share of the totals.</summary>
    private void Discard(Work work, string name)
    {
        try
        {
            var (count, bytes, _) = _store.StreamTotals(name);
            work.Discarded = _store.DeleteStream(name);
            Interlocked.Add(ref _streamDepth, -count);
            Interlocked.Add(ref _streamBytes, -bytes);
            if (work.Discarded > 0)
            {
                _logger.LogWarning("Outbox stream {Stream} had {Count} records and no consumer (switched off); they were deleted", name, work.Discarded);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Discarding outbox stream {Stream} failed", name);
        }
    }

    /// <summary>A body's JSON, written on the caller's thread before the seq is taken; one per thread, reused.</summary>
    private sealed class BodyScratch
    {
        [ThreadStatic]
        private static BodyScratch? _cached;

        private BodyScratch()
        {
            Writer = new Utf8JsonWriter(Buffer, Envelope.Options);
        }

        public PooledBufferWriter Buffer { get; } = new();

        public Utf8JsonWriter Writer { get; }

        public static BodyScratch Rent()
        {
            var scratch = _cached ?? new BodyScratch();
            _cached = null;
            scratch.Buffer.Clear();
            return scratch;
        }

        public static void Return(BodyScratch scratch) => _cached = scratch;
    }

    /// <summary>
    /// Short of room, the log's bytes go back to the filesystem (a checkpoint otherwise keeps the file at its largest):
    /// after every commit that deleted records, so the log never holds more than one small batch of deletes, and
    /// otherwise once a second.
    /// </summary>
    private void CheckpointWhileShort(bool deleted)
    {
        if (Disk.Level == DiskLevel.Normal || (!deleted && _time.GetElapsedTime(_lastCheckpoint) < TimeSpan.FromSeconds(1)))
        {
            return;
        }

        _lastCheckpoint = _time.GetTimestamp();
        try
        {
            _store.CheckpointTruncate();
        }
        catch (Exception e) when (OutboxStore.IsDiskFull(e) || e is Microsoft.Data.Sqlite.SqliteException)
        {
            // Busy or short of room: tried again in a second.
        }

        Disk.Refresh();
    }

    private sealed class Work(int dropOldestMetrics)
    {
        public int DropOldestMetrics { get; } = dropOldestMetrics;

        /// <summary>Set for a named stream's record or acknowledgement.</summary>
        public OutboxStream? Stream { get; set; }

        public bool StreamDropOldest { get; set; }

        public string? DiscardStream { get; init; }

        public long Discarded { get; set; }

        public OutboxRecord? Record { get; set; }

        public long? Acknowledged { get; init; }

        public RetainedRecord? Retained { get; init; }

        /// <summary>Set by the writer when the commit failed for want of room: the record was dropped and counted.</summary>
        public bool DroppedForDisk { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
