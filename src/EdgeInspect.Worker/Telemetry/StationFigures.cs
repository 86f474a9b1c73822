using EdgeInspect.Worker.Pipeline.Metrics;

namespace EdgeInspect.Worker.Telemetry;

/// <summary>
/// Every stage's counters (<see cref="IMetricsSource"/>) read at once and kept for a moment, so several readers in one
/// collection (each observable instrument of a Prometheus scrape, the dashboard's tick) cost one pass over the stages.
/// </summary>
/// <remarks>
/// The sources only read counters and never wait, so the lock here covers a short computation and no wait. The
/// metrics stage reads the same sources for the <c>metrics</c> topic on its own; nothing here resets an interval.
/// </remarks>
public sealed class StationFigures(IEnumerable<IMetricsSource> sources, TimeProvider time)
{
    /// <summary>Figures this recent are reused: a scrape reads a dozen instruments within a millisecond.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromMilliseconds(250);

    private readonly IMetricsSource[] _sources = [.. sources];
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<string, double> _last = new Dictionary<string, double>();
    private long _readAt;

    /// <summary>The figures, read now or at most <see cref="DefaultMaxAge"/> ago.</summary>
    public IReadOnlyDictionary<string, double> Read() => Read(DefaultMaxAge);

    public IReadOnlyDictionary<string, double> Read(TimeSpan maxAge)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_readAt != 0 && time.GetElapsedTime(_readAt, now) <= maxAge)
            {
                return _last;
            }

            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var source in _sources)
            {
                source.WriteTo(values);
            }

            _last = values;
            _readAt = now;
            return values;
        }
    }

    /// <summary>One figure as a whole count; 0 when the station does not report it (no plant link, no sample writer).</summary>
    public long Count(string key) => Read().TryGetValue(key, out var value) && double.IsFinite(value) ? (long)value : 0;
}

/// <summary>
/// The drops and failures the stages count, grouped as the instruments publish them: one family per kind of thing lost
/// (frames, messages, samples), one cause per figure of the metrics body.
/// </summary>
public static class StationDrops
{
    /// <summary>Frames that never became a decided part.</summary>
    public static readonly IReadOnlyList<(string Figure, string Cause)> Frames =
    [
        ("capture.dropped.pool_exhausted", "pool_exhausted"),
        ("pipeline.queue.dropped_oldest", "queue_dropped_oldest"),
        ("capture.corrupt_skipped", "corrupt"),
        ("pipeline.parts.inference_failed", "inference_failed"),
    ];

    /// <summary>Events, metrics snapshots and sink writes that were lost (a part or an audit is never dropped: it waits).</summary>
    public static readonly IReadOnlyList<(string Figure, string Cause)> Messages =
    [
        ("pipeline.drops.events", "output_queue_full"),
        ("pipeline.drops.sink_failed", "sink_failed"),
        ("outbox.dropped_metrics", "outbox_near_cap"),
    ];

    /// <summary>Samples for retraining that were selected but not saved.</summary>
    public static readonly IReadOnlyList<(string Figure, string Cause)> Samples =
    [
        ("pipeline.drops.samples", "frame_not_kept"),
        ("samples.dropped", "writer_queue_full"),
        ("samples.failed", "write_failed"),
    ];
}
