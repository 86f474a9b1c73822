using System.Threading.Channels;
using EdgeInspect.Worker.Pipeline.Metrics;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Pipeline.Output;

/// <summary>
/// The last stage: one task takes every message the pipeline produced, in order, and hands it to each sink, the
/// durable one (the outbox) first.
/// </summary>
/// <remarks>
/// <para>Owns: the bounded output queue and the sinks. Parts, audits, drift alerts and incidents wait for room
/// (<see cref="WriteAsync"/>), so a slow outbox slows the pipeline instead of losing results; events, capture alerts
/// and metrics never wait (<see cref="TryWrite"/>): a full queue drops them and counts it in
/// <c>pipeline.drops.events</c>. A sink that throws is logged and counted in <c>pipeline.drops.sink_failed</c>.</para>
/// <para>No lock is held anywhere in this stage: a writer that waits for room holds nothing another thread needs.</para>
/// </remarks>
public sealed class OutputStage : IMetricsSource
{
    private readonly Channel<StationOutput> _queue;
    private readonly IStationSink[] _sinks;
    private readonly ILogger _logger;
    private long _sinkFailed;
    private long _dropped;

    /// <param name="sinks">In calling order: the durable sink first, then observers.</param>
    public OutputStage(IEnumerable<IStationSink> sinks, PipelineOptions options, ILogger<OutputStage> logger)
    {
        _sinks = [.. sinks];
        _logger = logger;
        _queue = Channel.CreateBounded<StationOutput>(new BoundedChannelOptions(options.OutputQueue)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>Messages dropped because the queue was full (events, capture alerts, metrics only).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages waiting for the sinks.</summary>
    public int Depth => _queue.Reader.Count;

    /// <summary>Queues a message that must not be lost, waiting for room.</summary>
    public ValueTask WriteAsync(StationOutput message, CancellationToken cancellationToken = default) => _queue.Writer.WriteAsync(message, cancellationToken);

    /// <summary>Queues a message that may be lost rather than wait: false (and counted) when the queue is full or closed.</summary>
    public bool TryWrite(StationOutput message)
    {
        if (_queue.Writer.TryWrite(message))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>No more messages will come; <see cref="RunAsync"/> returns once the queue is empty.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Hands every message to the sinks until <see cref="Complete"/> and an empty queue.</summary>
    public async Task RunAsync()
    {
        await foreach (var message in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            foreach (var sink in _sinks)
            {
                try
                {
                    await DispatchAsync(sink, message);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _sinkFailed);
                    _logger.LogError(e, "Writing a {Kind} message to {Sink} failed", message.Kind, sink.GetType().Name);
                }
            }
        }
    }

    public void WriteTo(IDictionary<string, double> values)
    {
        values["pipeline.drops.sink_failed"] = Interlocked.Read(ref _sinkFailed);
        values["pipeline.drops.events"] = Dropped;
        values["pipeline.queue.output"] = Depth;
    }

    private static ValueTask DispatchAsync(IStationSink sink, in StationOutput message) => message.Kind switch
    {
        StationOutputKind.Part => sink.PartAsync(message.Part!, CancellationToken.None),
        StationOutputKind.Audit => sink.AuditAsync(message.Audit!, CancellationToken.None),
        StationOutputKind.Alert => sink.AlertAsync(message.Alert!, CancellationToken.None),
        StationOutputKind.CaptureAlert => sink.CaptureAlertAsync(message.CaptureAlert!, CancellationToken.None),
        StationOutputKind.Event => sink.EventAsync(message.Event!, CancellationToken.None),
        StationOutputKind.Metrics => sink.MetricsAsync(message.Metrics!, CancellationToken.None),
        StationOutputKind.Incident => sink.IncidentAsync(message.Incident!, CancellationToken.None),
        _ => ValueTask.CompletedTask,
    };
}
