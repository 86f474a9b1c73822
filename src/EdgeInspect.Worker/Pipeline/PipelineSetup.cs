using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Samples;
using EdgeInspect.Worker.Configuration;
using EdgeInspect.Worker.Samples;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// Everything one station run is made of, already built and validated: options per subsystem plus the live parts
/// (model slots, camera source, inspector, outputs, sink). <see cref="Hosting.StationRuntime"/> builds it from a station
/// file; replay, the bench and tests build it with their own sink and sources.
/// </summary>
public sealed class PipelineSetup
{
    public required StationIdentityOptions Station { get; init; }

    public required AutomationOptions Automation { get; init; }

    public required PromotionOptions Promotion { get; init; }

    public required SampleOptions SamplesOptions { get; init; }

    public required MonitoringOptions Monitoring { get; init; }

    public required CaptureOptions Capture { get; init; }

    public required IFrameSourceFactory Sources { get; init; }

    public required FramePool Pool { get; init; }

    public required ModelSlots<IInferenceModel> Models { get; init; }

    /// <summary>Loads and self-tests a package (for cmd/load-candidate); throws ModelPackageException when refused.</summary>
    public required Func<string, IInferenceModel> LoadModel { get; init; }

    public required IInspectorInput Inspector { get; init; }

    /// <summary>
    /// The inspector positions that judge every part asked of a human (one FIFO each). The first verdict decides the
    /// part; another position's verdict on the same part feeds inter-inspector agreement. Empty: one FIFO for all.
    /// </summary>
    public IReadOnlyList<string> InspectorPositions { get; init; } = [];

    public required IStationOutputs Outputs { get; init; }

    public required IStationSink Sink { get; init; }

    /// <summary>JPEG-encodes a frame (samples and thumbnails).</summary>
    public required Func<Frame, byte[]> EncodeJpeg { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>Unix milliseconds at service start: part ids are unique across restarts.</summary>
    public required long BootEpochMs { get; init; }

    /// <summary>Labels in frame order, for the scripted inspector and replay reports; null on a live camera.</summary>
    public GroundTruth? GroundTruth { get; init; }

    public SampleWriter? SampleWriter { get; init; }

    /// <summary>Attach a JPEG thumbnail to parts whose predicted class differs from the label (replay reports).</summary>
    public bool ThumbnailMislabelled { get; init; }

    public bool SamplesEnabled => SampleWriter is not null;

    public int QueueCapacity { get; init; } = 8;

    public int SinkQueueCapacity { get; init; } = 1024;

    public int AgreementWindowParts { get; init; } = 500;

    public TimeSpan MetricsInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Software, input and output metrics (System.Diagnostics.Metrics instruments plus the periodic snapshot); null for none.</summary>
    public Monitoring.PipelineMetrics? Metrics { get; init; }

    /// <summary>Adds values to each metrics snapshot (process, outbox and link figures known to the host).</summary>
    public Action<IDictionary<string, double>>? ExtraMetrics { get; init; }
}
