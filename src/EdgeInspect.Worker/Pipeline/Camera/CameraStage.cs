using System.Globalization;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline.Events;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Telemetry;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Pipeline.Camera;

/// <summary>
/// The first stage: keeps frames coming from the camera (<see cref="CaptureLoop"/>, on its own thread) into the
/// bounded <see cref="FrameQueue"/> that inference reads, and turns triggers (cmd/trigger, the part-present sensor)
/// into frames.
/// </summary>
/// <remarks>
/// <para>Owns: the capture loop, the frame queue and its overload policy. Drops are counted where they happen:
/// <c>capture.dropped.pool_exhausted</c> (no free buffer), <c>pipeline.queue.dropped_oldest</c> (inference fell
/// behind a free-running camera); a triggered part or a replayed frame is never dropped: capture waits instead.</para>
/// <para>Stops when the stopping token is cancelled or a finite source ends; then completes the frame queue, and
/// every frame already delivered is still inspected.</para>
/// </remarks>
public sealed class CameraStage : IMetricsSource, IDisposable
{
    private readonly CaptureOptions _options;
    private readonly CaptureLoop _loop;
    private readonly PartPresentSensor? _partPresent;
    private readonly StationEvents _events;
    private readonly ILogger _logger;
    private readonly long[] _eventCounts = new long[Enum.GetValues<CaptureEventKind>().Length];

    /// <param name="partPresent">The part-present sensor, whose arrivals trigger frames; null when none is wired.</param>
    public CameraStage(CaptureOptions options, IFrameSourceFactory sources, FramePool pool, TimeProvider time, PipelineOptions pipeline,
        StationEvents events, PipelineMetrics instruments, ILogger<CameraStage> logger, PartPresentSensor? partPresent)
    {
        _options = options;
        _events = events;
        _logger = logger;
        _partPresent = partPresent;
        // A finite source (file, folder) is a replay: every frame is a part, so capture waits instead of dropping.
        Frames = new FrameQueue(pipeline.FrameQueue, lossless: CaptureSource.TryParse(options.Source, out var source, out _) && source.IsFinite);
        // A frame capture has delivered is a part: it is queued even during shutdown, and inference drains it.
        _loop = new CaptureLoop(options, sources, pool, time, frame => Frames.Write(frame, CancellationToken.None), OnCaptureEvent);
        instruments.RegisterQueue("capture_to_inference", () => Frames.Depth);
    }

    /// <summary>The queue inference takes frames from; completed when capture stops.</summary>
    public FrameQueue Frames { get; }

    public CaptureCounters Counters => _loop.Counters;

    /// <summary>Runs capture on a dedicated thread until <paramref name="stoppingToken"/> or the end of a finite source.</summary>
    /// <returns>Completes once capture stopped and the frame queue is completed.</returns>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Triggers are forwarded while capture runs: a finite source that ends stops them too.
        using var capturing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var thread = new Thread(() =>
        {
            try
            {
                _loop.Run(stoppingToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogError(e, "Capture stopped on an unexpected error; the pipeline drains and stops");
            }
            finally
            {
                Frames.Complete();
                done.TrySetResult();
            }
        }) { IsBackground = true, Name = "edgeinspect-capture" };
        thread.Start();
        var triggers = _partPresent is { } sensor ? ForwardPartPresentAsync(sensor, capturing.Token) : Task.CompletedTask;
        await done.Task;
        await capturing.CancelAsync();
        await triggers;
    }

    /// <summary>
    /// Asks for one frame for one part (software trigger, or the part-present input) when the camera runs in
    /// triggered mode. False when it is free-running.
    /// </summary>
    public bool Trigger()
    {
        if (_options.Mode != CaptureMode.Triggered)
        {
            return false;
        }

        _loop.Trigger();
        return true;
    }

    public void WriteTo(IDictionary<string, double> values)
    {
        var capture = _loop.Counters;
        values["capture.frames"] = capture.FramesDelivered;
        values["capture.dropped.pool_exhausted"] = capture.DroppedPoolExhausted;
        values["capture.corrupt_skipped"] = capture.CorruptSkipped;
        values["pipeline.queue.depth"] = Frames.Depth;
        values["pipeline.queue.dropped_oldest"] = Frames.Dropped;
        foreach (var kind in Enum.GetValues<CaptureEventKind>())
        {
            var count = Interlocked.Read(ref _eventCounts[(int)kind]);
            if (count > 0)
            {
                values["capture.events." + kind.ToString().ToLower(CultureInfo.InvariantCulture)] = count;
            }
        }
    }

    public void Dispose() => _loop.Dispose();

    /// <summary>Each part arriving at the part-present sensor triggers one frame (in triggered capture mode).</summary>
    private async Task ForwardPartPresentAsync(PartPresentSensor sensor, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in sensor.Arrivals.ReadAllAsync(stoppingToken))
            {
                if (!Trigger())
                {
                    _logger.LogWarning("A part arrived at the part-present sensor but capture is not in triggered mode; set capture.mode to \"triggered\"");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>On the capture thread: count, log, and report alerts and state changes; never waits.</summary>
    private void OnCaptureEvent(CaptureEvent e)
    {
        Interlocked.Increment(ref _eventCounts[(int)e.Kind]);
        _logger.Log(e.IsAlert ? LogLevel.Warning : LogLevel.Information, "Capture {Kind}: {Message}", e.Kind, e.Message);
        if (e.IsAlert || e.Kind is CaptureEventKind.CameraRecovered or CaptureEventKind.FrozenStreamCleared)
        {
            _events.PublishCaptureAlert(e);
        }
        else if (e.Kind is not CaptureEventKind.FrameCorrupt)
        {
            _events.Publish(new CaptureChanged(e.UtcTime, e.Kind, e.CameraId, e.Message, e.LastSeq));
        }
    }
}
