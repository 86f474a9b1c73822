using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Worker.Configuration;
using EdgeInspect.Worker.Inspection;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Samples;
using EdgeInspect.Worker.Sparkplug;
using Microsoft.Extensions.Logging;
using LinkOptions = EdgeInspect.Worker.Link.LinkOptions;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// One station, built from a validated station config: model slots, camera, inspector station, sample writer,
/// durable outbox, MQTT link, command verbs and the inspection pipeline. <see cref="RunAsync"/> runs them together
/// and shuts down in order: pipeline drained, outbox flushed while the broker is reachable, offline status, outputs off.
/// </summary>
public sealed class StationRuntime : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly InspectorStation _inspector;
    private readonly SampleWriter? _samples;
    private readonly PlantLink _plant;
    private readonly StationEdgeNode? _sparkplug;

    private StationRuntime(StationConfig config, PipelineSetup setup, InspectorStation inspector, SampleWriter? samples, PlantLink plant, StationEdgeNode? sparkplug, ILoggerFactory loggers)
    {
        _sparkplug = sparkplug;
        Config = config;
        _logger = loggers.CreateLogger("EdgeInspect.Station");
        _inspector = inspector;
        _samples = samples;
        _plant = plant;
        Pipeline = new InspectionPipeline(setup, loggers.CreateLogger<InspectionPipeline>());
        Setup = setup;
    }

    public StationConfig Config { get; }

    public PipelineSetup Setup { get; }

    public InspectionPipeline Pipeline { get; }

    public LinkService Link => _plant.Link;

    public Outbox Outbox => _plant.Outbox;

    /// <summary>Builds the station. Fails with <see cref="StationStartupException"/> naming what is wrong and the fix.</summary>
    /// <param name="config">A station config that passed validation.</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="time">The clock (fake in tests).</param>
    /// <param name="observer">Also receives every part, alert, event and metrics snapshot (the demo's and tests' view); may be null.</param>
    /// <param name="inspectorInput">Replaces the configured inspector backend (tests); null uses the config.</param>
    public static StationRuntime Create(StationConfig config, ILoggerFactory loggers, TimeProvider time, IStationSink? observer = null, IInspectorInput? inspectorInput = null)
    {
        var o = config.Options;
        var capture = config.Section<CaptureOptions>("capture");
        var modelSection = config.Section<ModelSection>("model");
        var link = config.Section<LinkOptions>("link");
        var inspectorOptions = config.Section<InspectorOptions>("inspector");
        var monitoring = config.Section<EdgeInspect.Core.Monitoring.MonitoringOptions>("monitoring");
        var pipeline = config.Section<PipelineSection>("pipeline");

        var models = new ModelSlots<IInferenceModel>();
        IInferenceModel Load(string folder) => OnnxModel.Load(folder, modelSection.Inference);
        try
        {
            models.SetActive(Load(modelSection.Package));
        }
        catch (ModelPackageException e)
        {
            models.Dispose();
            throw new StationStartupException($"model.package: the package '{modelSection.Package}' was refused: {e.Message}", e);
        }

        var modeNeedsHuman = o.Automation.Mode is not AutomationMode.Live;
        InspectorStation inspector;
        try
        {
            inspector = InspectorStation.Create(inspectorOptions, modeNeedsHuman, time, CancellationToken.None);
        }
        catch (InspectorStartupException e)
        {
            models.Dispose();
            throw new StationStartupException(e.Message, e);
        }

        foreach (var warning in inspector.Warnings)
        {
            loggers.CreateLogger("EdgeInspect.Station").LogWarning("Inspector: {Warning}", warning);
        }

        GroundTruth? truth = null;
        if (!string.IsNullOrWhiteSpace(pipeline.Labels))
        {
            try
            {
                truth = GroundTruth.ReadCsv(pipeline.Labels, models.Active!.Manifest.Output.OkClass);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                inspector.Dispose();
                models.Dispose();
                throw new StationStartupException($"pipeline.labels: cannot read '{pipeline.Labels}' ({e.Message}). Fix: give the path of a labels.csv "
                    + "(file,...,class_name,...) relative to the working directory, or leave it empty on a live camera.", e);
            }
        }

        var samples = o.Samples.RandomFraction > 0 || o.Samples.SaveDisagreements || o.Samples.SaveUncertain
            ? new SampleWriter(o.Samples.Folder, o.Samples.QuotaBytes, o.Samples.QueueCapacity, loggers.CreateLogger<SampleWriter>())
            : null;

        // The station section is the one source of the device's identity; the outbox and the link take it from there.
        PlantLink plant;
        try
        {
            plant = PlantLink.Open(o.Station, link, config.Section<OutboxOptions>("outbox"), loggers, time);
        }
        catch (MqttSetupException e)
        {
            inspector.Dispose();
            models.Dispose();
            samples?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new StationStartupException(e.Message, e);
        }

        // The Sparkplug B edge node beside the JSON topics (docs/sparkplug.md); null when link:sparkplug is off.
        StationRuntime? built = null;
        StationEdgeNode? sparkplug;
        try
        {
            sparkplug = StationEdgeNode.Open(config.Section<SparkplugOptions>("link:sparkplug"), link, o.Station, plant.Outbox, plant.Dispatcher,
                new EdgeNodeStart(o.Automation.Mode.ToString().ToLowerInvariant(), models.Active!.Identity, null, [capture.CameraId],
                    SparkplugStationSink.DriftDetectors(models.Active.Manifest, capture.CameraId, monitoring), plant.Link.Status.Software),
                new StationReadings(() => models.Active?.Identity, () => models.Candidate?.Identity, () => built?.Pipeline.PromotionEvaluation().Ready, () => null),
                loggers, time);
        }
        catch (MqttSetupException e)
        {
            plant.DisposeAsync().AsTask().GetAwaiter().GetResult();
            inspector.Dispose();
            models.Dispose();
            samples?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new StationStartupException(e.Message, e);
        }

        var outbox = plant.Outbox;
        var linkService = plant.Link;
        var metrics = new Monitoring.PipelineMetrics(time, models.Active!.Manifest.Output.ClassNames);
        metrics.RegisterOutbox(() => outbox.Depth);
        IStationSink sink = observer is null ? plant.Sink : new TeeSink(plant.Sink, observer);
        sink = sparkplug is null ? sink : new TeeSink(sink, sparkplug.Sink);

        var setup = new PipelineSetup
        {
            Station = o.Station,
            Automation = o.Automation,
            Promotion = o.Promotion,
            SamplesOptions = o.Samples,
            Monitoring = monitoring,
            Capture = capture,
            Sources = new OpenCvFrameSourceFactory(),
            Pool = new FramePool(pipeline.PoolFrames, FrameBytes(capture)),
            Models = models,
            LoadModel = Load,
            Inspector = inspectorInput ?? inspector.Input,
            InspectorPositions = inspectorOptions.Positions.Select(p => p.Name).ToList(),
            Outputs = inspector.Outputs,
            Sink = sink,
            EncodeJpeg = frame => CvJpeg.Encode(frame, 90),
            Time = time,
            BootEpochMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            GroundTruth = truth,
            SampleWriter = samples,
            QueueCapacity = pipeline.QueueFrames,
            AgreementWindowParts = o.Statistics.WindowParts,
            MetricsInterval = pipeline.MetricsInterval,
            Metrics = metrics,
            ExtraMetrics = values =>
            {
                values["outbox.depth"] = outbox.Depth;
                values["outbox.bytes"] = outbox.Bytes;
                values["outbox.dropped_metrics"] = outbox.DroppedMetrics;
                values["link.published"] = linkService.Counters.Published;
                values["link.acknowledged"] = linkService.Counters.Acknowledged;
                values["link.reconnects"] = linkService.Counters.Reconnects;
            },
        };

        var runtime = built = new StationRuntime(config, setup, inspector, samples, plant, sparkplug, loggers);
        StationCommands.Register(plant.Dispatcher, runtime, modelSection);
        linkService.Status = new StatusBody("online", linkService.Status.Software, setup.Automation.Mode.ToString().ToLowerInvariant(), models.Active!.Identity.ToString());
        return runtime;
    }

    /// <summary>Runs until the source ends or <paramref name="stoppingToken"/> is cancelled; then shuts down in order.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var linkStop = new CancellationTokenSource();
        var link = Task.Run(() => _plant.RunAsync(linkStop.Token), CancellationToken.None);
        var edgeNode = _sparkplug is null ? Task.CompletedTask : Task.Run(() => _sparkplug.RunAsync(linkStop.Token), CancellationToken.None);
        var triggers = _inspector.PartPresent is { } sensor ? Task.Run(() => ForwardPartPresentAsync(sensor, stoppingToken), CancellationToken.None) : Task.CompletedTask;
        try
        {
            await Pipeline.RunAsync(stoppingToken);
            await triggers;
            await _plant.Sink.DrainAsync();
            if (_sparkplug is not null)
            {
                await _sparkplug.Sink.DrainAsync();
            }
        }
        finally
        {
            _inspector.Outputs.AllInactive();
            // The link flushes the outbox while the broker is reachable, then publishes offline status.
            await linkStop.CancelAsync();
            await link;
            await edgeNode;
        }
    }

    /// <summary>Each part arriving at the part-present sensor triggers one frame (in triggered capture mode).</summary>
    private async Task ForwardPartPresentAsync(PartPresentSensor sensor, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in sensor.Arrivals.ReadAllAsync(stoppingToken))
            {
                if (!Pipeline.Trigger())
                {
                    _logger.LogWarning("A part arrived at the part-present sensor but capture is not in triggered mode; set capture.mode to \"triggered\"");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reflects a new mode in the retained birth message.</summary>
    internal void RefreshStatus() =>
        Link.Status = Link.Status with { Mode = Pipeline.Mode.ToString().ToLowerInvariant(), Model = Setup.Models.Active?.Identity.ToString() };

    public async ValueTask DisposeAsync()
    {
        await Pipeline.DisposeAsync();
        _inspector.Dispose();
        if (_samples is not null)
        {
            await _samples.DisposeAsync();
        }

        if (_sparkplug is not null)
        {
            await _sparkplug.DisposeAsync();
        }

        await _plant.DisposeAsync();
        Setup.Models.Dispose();
        Setup.Metrics?.Dispose();
        Setup.Pool.Dispose();
        _logger.LogInformation("Station stopped");
    }

    private static int FrameBytes(CaptureOptions capture) => Math.Max(640 * 480 * 3, (capture.Width ?? 640) * (capture.Height ?? 480) * 3);
}

/// <summary>The station cannot start; the message names the field or part and the fix.</summary>
public sealed class StationStartupException(string message, Exception? inner = null) : Exception(message, inner);
