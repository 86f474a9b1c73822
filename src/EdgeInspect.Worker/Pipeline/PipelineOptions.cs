namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// How big each queue between two stages is, and how often metrics are published. Built from the station file's
/// "pipeline" and "statistics" sections; tests shrink the queues to provoke back-pressure.
/// </summary>
public sealed class PipelineOptions
{
    /// <summary>Frames queued between camera and inference (pipeline:queueFrames).</summary>
    public int FrameQueue { get; set; } = 8;

    /// <summary>Messages queued into each stage after inference (routing, sampling, quality).</summary>
    public int StageQueue { get; set; } = 32;

    /// <summary>Messages queued for the sinks; when full, parts and alerts wait, events and metrics are dropped (counted).</summary>
    public int OutputQueue { get; set; } = 1024;

    /// <summary>How often a metrics snapshot is published (pipeline:metricsInterval).</summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Parts in the sliding window of the agreement statistics (statistics:windowParts).</summary>
    public int AgreementWindowParts { get; set; } = 500;
}
