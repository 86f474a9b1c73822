using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using EdgeInspect.Core.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Link;

/// <summary>
/// The one durable queue between the pipeline and the plant: every stream message is written here, fsynced, and only
/// then published; it leaves after the broker's PUBACK. Assigns the per-device seq (monotonic across restarts) and
/// the boot epoch.
/// </summary>
/// <remarks>
/// <para>Threading: <see cref="EnqueueAsync(MessageKind, ReadOnlyMemory{byte}, string?, CancellationToken)"/> may be called from any
/// number of threads. A single writer task batches whatever is waiting into one transaction (group commit), so many
/// concurrent producers share one fsync; a single sequential producer pays one fsync per message.</para>
/// <para>Capacity: results, alerts, events and command responses are never dropped. At
/// <see cref="LinkOptions.OutboxNearCapFraction"/> the outbox raises the retained alert <c>outbox-near-cap</c>; at the cap,
/// EnqueueAsync waits until acknowledgements make room (back-pressure). Alerts may use a small reserve above the cap so
/// that the near-cap alert itself can always be written. Metrics instead drop their oldest entries, counted in
/// <see cref="DroppedMetrics"/>.</para>
/// </remarks>
public sealed class Outbox : IAsyncDisposable
{
    public const string NearCapAlert = "outbox-near-cap";

    private readonly OutboxStore _store;
    private readonly LinkOptions _options;
    private readonly StationTopics _topics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _seqGate = new();
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
    private int _nearCap;

    private Outbox(OutboxStore store, long bootEpoch, LinkOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _options = options;
        _topics = options.Topics();
        _time = time;
        _logger = logger;
        BootEpoch = bootEpoch;
        _lastSeq = store.LastSeq();
        (_depth, _bytes, _metricsDepth) = store.Totals();
        _alertReserve = Math.Max(16, options.OutboxMaxRecords / 100);
        _writer = Task.Run(WriterLoopAsync);
    }

    /// <summary>Opens the outbox file, starting a new boot epoch. Records a crash left behind are kept and published first.</summary>
    public static Outbox Open(LinkOptions options, TimeProvider? time = null, ILogger<Outbox>? logger = null)
    {
        var store = OutboxStore.Open(options.OutboxPath, out var epoch);
        var outbox = new Outbox(store, epoch, options, time ?? TimeProvider.System, (ILogger?)logger ?? NullLogger.Instance);
        if (outbox.Depth > 0)
        {
            outbox._logger.LogInformation("Outbox {Path} resumes with {Depth} unsent records (boot epoch {Epoch})", options.OutboxPath, outbox.Depth, epoch);
        }

        return outbox;
    }

    public long BootEpoch { get; }

    public string DeviceId => _options.DeviceId;

    public StationTopics Topics => _topics;

    /// <summary>The latest seq handed out.</summary>
    public long LastSeq => Interlocked.Read(ref _lastSeq);

    /// <summary>Records waiting for a PUBACK (committed or about to be).</summary>
    public long Depth => Interlocked.Read(ref _depth);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long DroppedMetrics => Interlocked.Read(ref _droppedMetrics);

    /// <summary>Records committed to disk since open.</summary>
    public long Committed => Interlocked.Read(ref _committed);

    public bool IsNearCap => Volatile.Read(ref _nearCap) == 1;

    /// <summary>Writes a stream message (envelope around <paramref name="bodyJson"/>) and returns its seq once it is on disk.</summary>
    /// <param name="kind">Decides topic, durability and what happens when full.</param>
    /// <param name="bodyJson">One JSON value: the body of the envelope.</param>
    /// <param name="topicSuffix">Topic under the station base; the kind's default ("result", "alert"...) when null.</param>
    /// <param name="cancellationToken">Cancels a wait for room; a message already handed to the writer is still written.</param>
    /// <returns>The seq; -1 when a metrics snapshot was dropped because the outbox is full of records that may not be dropped.</returns>
    public async ValueTask<long> EnqueueAsync(MessageKind kind, ReadOnlyMemory<byte> bodyJson, string? topicSuffix = null, CancellationToken cancellationToken = default)
    {
        var topic = _topics.Of(topicSuffix ?? StationTopics.Suffix(kind));
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

        var work = new Work(kind, dropOldest);
        lock (_seqGate)
        {
            var seq = ++_lastSeq;
            var header = new EnvelopeHeader(kind.Schema(), _options.DeviceId, BootEpoch, seq, _time.GetUtcNow());
            work.Record = new OutboxRecord(seq, kind, topic, Envelope.Write(header, bodyJson.Span));
            Interlocked.Increment(ref _depth);
            Interlocked.Add(ref _bytes, work.Record.Payload.Length);
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
        await work.Done.Task.WaitAsync(cancellationToken);
        return work.Record.Seq;
    }

    /// <summary>Serializes <paramref name="body"/> with source-generated metadata and enqueues it.</summary>
    public ValueTask<long> EnqueueAsync<T>(MessageKind kind, T body, JsonTypeInfo<T> typeInfo, string? topicSuffix = null, CancellationToken cancellationToken = default) =>
        EnqueueAsync(kind, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, typeInfo), topicSuffix, cancellationToken);

    /// <summary>
    /// Sets retained state under <paramref name="topicSuffix"/> (e.g. "alert/state/drift"): stored durably, published
    /// when connected and again after every reconnect. Last value wins; it does not consume a seq (it carries the latest).
    /// </summary>
    public async ValueTask SetRetainedAsync(string topicSuffix, string schema, ReadOnlyMemory<byte> bodyJson, CancellationToken cancellationToken = default)
    {
        var header = new EnvelopeHeader(schema, _options.DeviceId, BootEpoch, LastSeq, _time.GetUtcNow());
        var work = new Work(null, 0) { Retained = (_topics.Of(topicSuffix), Envelope.Write(header, bodyJson.Span)) };
        if (!_work.Writer.TryWrite(work))
        {
            throw new ObjectDisposedException(nameof(Outbox));
        }

        await work.Done.Task.WaitAsync(cancellationToken);
        RetainedChanged?.Invoke(work.Retained.Value.Topic, work.Retained.Value.Payload);
    }

    /// <summary>Records an alert transition (stream) and its retained state, in that order.</summary>
    public async ValueTask RaiseAlertAsync(AlertBody alert, CancellationToken cancellationToken = default)
    {
        await EnqueueAsync(MessageKind.Alert, alert, MessagesJsonContext.Default.AlertBody, null, cancellationToken);
        var state = new AlertStateBody(alert.Name, alert.State, alert.Severity, alert.Message, _time.GetUtcNow());
        await SetRetainedAsync($"alert/state/{alert.Name}", Schemas.AlertState,
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state, MessagesJsonContext.Default.AlertStateBody), cancellationToken);
    }

    /// <summary>Raised after retained state is stored (topic, full payload), so a connected link publishes it at once.</summary>
    public event Action<string, byte[]>? RetainedChanged;

    /// <summary>Called by the link when the broker acknowledged <paramref name="seq"/>; the row is deleted in the next group commit.</summary>
    internal void Acknowledge(long seq) => _work.Writer.TryWrite(new Work(null, 0) { Acknowledged = seq });

    /// <summary>Drain side (one caller at a time): committed records after <paramref name="afterSeq"/> in seq order.</summary>
    internal List<OutboxRecord> ReadAfter(long afterSeq, int limit) => _store.ReadAfter(afterSeq, limit);

    internal List<(string Topic, byte[] Payload)> ReadRetained() => _store.ReadRetained();

    /// <summary>Waits until new records are committed, or the timeout passes.</summary>
    internal Task<bool> WaitForRecordsAsync(TimeSpan timeout, CancellationToken cancellationToken) => _newRecords.WaitAsync(timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        await _writer;
        _store.Dispose();
        _newRecords.Dispose();
    }

    private bool IsFull(int payloadBytes, long reserve) =>
        Interlocked.Read(ref _depth) >= _options.OutboxMaxRecords + reserve
        || Interlocked.Read(ref _bytes) + payloadBytes > _options.OutboxMaxBytes + (reserve * 4096);

    private async ValueTask WaitForRoomAsync(int payloadBytes, long reserve, CancellationToken cancellationToken)
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
        var fill = Math.Max((double)Depth / _options.OutboxMaxRecords, (double)Bytes / _options.OutboxMaxBytes);
        if (fill >= _options.OutboxNearCapFraction && Interlocked.CompareExchange(ref _nearCap, 1, 0) == 0)
        {
            _ = ReportNearCapAsync(true, fill);
        }
        else if (fill < _options.OutboxNearCapFraction * 0.8 && Interlocked.CompareExchange(ref _nearCap, 0, 1) == 1)
        {
            _ = ReportNearCapAsync(false, fill);
        }
    }

    private async Task ReportNearCapAsync(bool raised, double fill)
    {
        try
        {
            _logger.Log(raised ? LogLevel.Warning : LogLevel.Information, "Outbox {State}: {Fill:P0} full ({Depth} records)", raised ? "near its cap" : "back below its cap", fill, Depth);
            var alert = new AlertBody(
                NearCapAlert,
                raised ? AlertStates.Raised : AlertStates.Cleared,
                "warning",
                raised ? "The outbox is nearly full: the plant link is not keeping up; results will be held back at the cap." : "The outbox is draining again.",
                new Dictionary<string, double> { ["depth"] = Depth, ["bytes"] = Bytes, ["fill"] = Math.Round(fill, 4), ["capRecords"] = _options.OutboxMaxRecords });
            await RaiseAlertAsync(alert);
        }
        catch (Exception e) when (e is ObjectDisposedException or ChannelClosedException or OperationCanceledException)
        {
            // Shutting down: the state is re-evaluated on the next start.
        }
    }

    private async Task WriterLoopAsync()
    {
        var reader = _work.Reader;
        var batch = new List<Work>(4096);
        var inserts = new List<OutboxRecord>(4096);
        var acks = new List<long>(4096);
        var retained = new List<(string, byte[])>();
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            inserts.Clear();
            acks.Clear();
            retained.Clear();
            var fullSync = false;
            var drops = 0;
            while (batch.Count < 4096 && reader.TryRead(out var work))
            {
                batch.Add(work);
                if (work.Record is { } record)
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

            try
            {
                var result = _store.Commit(inserts, acks, drops, fullSync, retained);
                Interlocked.Add(ref _committed, inserts.Count);
                Interlocked.Add(ref _depth, -(result.DeletedCount + result.DroppedMetrics));
                Interlocked.Add(ref _bytes, -(result.DeletedBytes + result.DroppedBytes));
                Interlocked.Add(ref _metricsDepth, -(result.DeletedMetrics + result.DroppedMetrics));
                Interlocked.Add(ref _droppedMetrics, result.DroppedMetrics);
                foreach (var work in batch)
                {
                    work.Done.TrySetResult();
                }

                if (inserts.Count > 0 && _newRecords.CurrentCount == 0)
                {
                    _newRecords.Release();
                }

                if (result.DeletedCount + result.DroppedMetrics > 0)
                {
                    TaskCompletionSource room;
                    lock (_roomGate)
                    {
                        room = _room;
                        _room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    room.TrySetResult();
                    CheckNearCap();
                }
            }
            catch (Exception e)
            {
                // A failed commit (disk full, I/O error) fails the callers: nothing was written, nothing is pretended.
                _logger.LogError(e, "Outbox commit of {Count} records failed", inserts.Count);
                foreach (var work in batch)
                {
                    work.Done.TrySetException(e);
                }
            }
        }
    }

    private sealed class Work(MessageKind? kind, int dropOldestMetrics)
    {
        public MessageKind? Kind { get; } = kind;

        public int DropOldestMetrics { get; } = dropOldestMetrics;

        public OutboxRecord? Record { get; set; }

        public long? Acknowledged { get; init; }

        public (string Topic, byte[] Payload)? Retained { get; init; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
