using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Pipeline.Camera;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Events;
using EdgeInspect.Worker.Pipeline.Incidents;
using EdgeInspect.Worker.Pipeline.Inference;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Output;
using EdgeInspect.Worker.Pipeline.Quality;
using EdgeInspect.Worker.Pipeline.Routing;
using EdgeInspect.Worker.Pipeline.Sampling;
using EdgeInspect.Worker.Pipeline.Verdicts;
using EdgeInspect.Worker.Replay;
using EdgeInspect.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// The one composition root of a station. `run`, `demo`, `replay` and `bench` all call
/// <see cref="AddEdgeInspectStation"/> with a station config (read from a file, or built in memory), then add what only
/// they need: the plant link (<see cref="PlantLinkRegistration.AddPlantLink"/>), observers, decorators.
/// </summary>
/// <remarks>
/// Everything is a singleton built on first use, so a bad part of the config fails when the station is resolved
/// (<see cref="StationRuntime"/>), with a <see cref="StationStartupException"/> naming the field and the fix, and
/// whatever was built is disposed with the service provider. The native parts (ONNX models, OpenCV sources and JPEG,
/// libgpiod) are registered with TryAdd where tests may want their own.
/// </remarks>
public static class StationServiceCollectionExtensions
{
    public static StationBuilder AddEdgeInspectStation(this IServiceCollection services, StationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var o = config.Options;
        var capture = config.Section<CaptureOptions>("capture");
        var model = config.Section<ModelSection>("model");
        var inspector = config.Section<InspectorOptions>("inspector");
        var monitoring = config.Section<MonitoringOptions>("monitoring");
        var pipeline = config.Section<PipelineSection>("pipeline");

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(config);
        services.AddSingleton(o.Automation);
        services.AddSingleton(o.Promotion);
        services.AddSingleton(o.Samples);
        services.AddSingleton(capture);
        services.AddSingleton(inspector);
        services.AddSingleton(monitoring);
        services.AddSingleton(sp => new RecordContext(
            o.Station.DeviceId,
            sp.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds(),
            new StationRef(o.Station.Site, o.Station.Area, o.Station.Line, o.Station.Name),
            o.Station.ConfigRevision));
        services.AddSingleton(sp =>
        {
            var options = new PipelineOptions { FrameQueue = pipeline.QueueFrames, MetricsInterval = pipeline.MetricsInterval, AgreementWindowParts = o.Statistics.WindowParts };
            foreach (var configure in sp.GetServices<PipelineTuning>())
            {
                configure.Apply(options);
            }

            return options;
        });

        // Native edges.
        services.TryAddSingleton<IModelLoader>(_ => new OnnxModelLoader(model.Inference));
        services.TryAddSingleton<IFrameSourceFactory, OpenCvFrameSourceFactory>();
        services.TryAddSingleton<IFrameEncoder>(_ => new JpegFrameEncoder(90));
        services.AddSingleton(sp => LoadActiveModel(sp.GetRequiredService<IModelLoader>(), model));
        services.AddSingleton(_ => new FramePool(pipeline.PoolFrames, FrameBytes(capture)));
        services.AddSingleton(sp => CreateInspectorStation(inspector, o.Automation.Mode, sp));
        services.AddSingleton(sp => sp.GetService<InspectorInputOverride>()?.Input ?? sp.GetRequiredService<InspectorStation>().Input);
        services.AddSingleton(sp => sp.GetService<OutputsOverride>()?.Outputs ?? sp.GetRequiredService<InspectorStation>().Outputs);
        services.AddSingleton(sp => new StationLabels(ReadLabels(pipeline, sp.GetRequiredService<ModelSlots<IInferenceModel>>())));
        services.AddSingleton(sp => new PipelineMetrics(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ModelSlots<IInferenceModel>>().Active!.Manifest.Output.ClassNames));

        // The stages, in the order a frame walks them (Pipeline/StationPipeline.cs).
        services.AddSingleton(sp => new AutomationState(o.Automation, sp.GetRequiredService<RecordContext>()));
        services.AddSingleton(sp => new OutputStage(
            sp.GetServices<SinkRegistration>().OrderBy(s => s.Durable ? 0 : 1).Select(s => s.Create(sp)).ToList(),
            sp.GetRequiredService<PipelineOptions>(), sp.GetRequiredService<ILogger<OutputStage>>()));
        services.AddSingleton<StationEvents>();
        services.AddSingleton(sp => new CameraStage(capture, sp.GetRequiredService<IFrameSourceFactory>(), sp.GetRequiredService<FramePool>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<PipelineOptions>(), sp.GetRequiredService<StationEvents>(), sp.GetRequiredService<PipelineMetrics>(), sp.GetRequiredService<ILogger<CameraStage>>(),
            sp.GetRequiredService<InspectorStation>().PartPresent));
        services.AddSingleton<InferenceStage>();
        services.AddSingleton<RoutingStage>();
        services.AddSingleton(sp =>
        {
            var input = sp.GetRequiredService<IInspectorInput>();
            IEnumerable<IVerdictRequestObserver> observers = sp.GetServices<IVerdictRequestObserver>();
            if (input is IPartPresenter presenter)
            {
                // A scripted inspector must be shown each part: from the labels when there are some, else it echoes the model.
                observers = observers.Append(new GroundTruthPresenter(presenter, sp.GetRequiredService<StationLabels>().Truth, sp.GetRequiredService<TimeProvider>()));
            }

            return new VerdictStage(input, inspector, o.Automation, sp.GetRequiredService<TimeProvider>(), observers, sp.GetRequiredService<ILogger<VerdictStage>>());
        });
        services.AddSingleton<SamplingStage>();
        services.AddSingleton<QualityStage>();
        services.AddSingleton<IncidentStage>();
        services.AddSingleton<StationControl>();
        services.AddSingleton<MetricsStage>();
        services.AddSingleton<StationPipeline>();
        services.AddSingleton<StationRuntime>();
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<CameraStage>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<InferenceStage>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<RoutingStage>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<VerdictStage>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<SamplingStage>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<QualityStage>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<IncidentStage>());
        services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<OutputStage>());
        services.AddStationTelemetry();
        return new StationBuilder(services, config);
    }

    private static ModelSlots<IInferenceModel> LoadActiveModel(IModelLoader loader, ModelSection model)
    {
        var slots = new ModelSlots<IInferenceModel>();
        try
        {
            slots.SetActive(loader.Load(model.Package));
            return slots;
        }
        catch (ModelPackageException e)
        {
            slots.Dispose();
            throw new StationStartupException($"model.package: the package '{model.Package}' was refused: {e.Message}", e);
        }
    }

    private static InspectorStation CreateInspectorStation(InspectorOptions options, AutomationMode mode, IServiceProvider services)
    {
        try
        {
            var station = InspectorStation.Create(options, modeNeedsHuman: mode is not AutomationMode.Live, services.GetRequiredService<TimeProvider>(), CancellationToken.None);
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeInspect.Station");
            foreach (var warning in station.Warnings)
            {
                logger.LogWarning("Inspector: {Warning}", warning);
            }

            return station;
        }
        catch (InspectorStartupException e)
        {
            throw new StationStartupException(e.Message, e);
        }
    }

    private static GroundTruth? ReadLabels(PipelineSection pipeline, ModelSlots<IInferenceModel> models)
    {
        if (string.IsNullOrWhiteSpace(pipeline.Labels))
        {
            return null;
        }

        try
        {
            return GroundTruth.ReadCsv(pipeline.Labels, models.Active!.Manifest.Output.OkClass);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            throw new StationStartupException($"pipeline.labels: cannot read '{pipeline.Labels}' ({e.Message}). Fix: give the path of a labels.csv "
                + "(file,...,class_name,...) relative to the working directory, or leave it empty on a live camera.", e);
        }
    }

    private static int FrameBytes(CaptureOptions capture) => Math.Max(640 * 480 * 3, (capture.Width ?? 640) * (capture.Height ?? 480) * 3);
}

/// <summary>
/// What a verb adds to the station <see cref="StationServiceCollectionExtensions.AddEdgeInspectStation"/> composed:
/// sinks and observers, decorators for replay and the demo, a replaced inspector input, smaller queues for tests.
/// </summary>
public sealed class StationBuilder(IServiceCollection services, StationConfig config)
{
    public IServiceCollection Services { get; } = services;

    /// <summary>The station config being composed (validated), for additions that depend on its sections.</summary>
    public StationConfig Config { get; } = config;

    /// <summary>Adds a sink; a durable one (the outbox) is called before every observer.</summary>
    public StationBuilder AddSink(Func<IServiceProvider, IStationSink> create, bool durable = false)
    {
        Services.AddSingleton(new SinkRegistration(create, durable));
        return this;
    }

    /// <summary>Adds an observer of everything the station publishes (a report, the demo's view, a test).</summary>
    public StationBuilder AddObserver(IStationSink observer) => AddSink(_ => observer);

    /// <summary>Adds an observer of each frame at inference (replay's thumbnails).</summary>
    public StationBuilder AddInspectionObserver(IInspectionObserver observer)
    {
        Services.AddSingleton(observer);
        return this;
    }

    /// <summary>Adds an observer of each part asked of an inspector.</summary>
    public StationBuilder AddVerdictRequestObserver(IVerdictRequestObserver observer)
    {
        Services.AddSingleton(observer);
        return this;
    }

    /// <summary>Takes inspector verdicts from <paramref name="input"/> instead of the configured backend (the caller starts it).</summary>
    public StationBuilder UseInspectorInput(IInspectorInput input)
    {
        Services.AddSingleton(new InspectorInputOverride(input));
        return this;
    }

    /// <summary>Acts on the line through <paramref name="outputs"/> instead of the configured GPIO lines (tests).</summary>
    public StationBuilder UseOutputs(IStationOutputs outputs)
    {
        Services.AddSingleton(new OutputsOverride(outputs));
        return this;
    }

    /// <summary>Changes the queue sizes or intervals after they were read from the station file.</summary>
    public StationBuilder ConfigurePipeline(Action<PipelineOptions> configure)
    {
        Services.AddSingleton(new PipelineTuning(configure));
        return this;
    }
}

/// <summary>The station cannot start; the message names the field or part and the fix.</summary>
public sealed class StationStartupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The ground truth of a replayed source (pipeline:labels); null on a live camera.</summary>
public sealed record StationLabels(GroundTruth? Truth);

internal sealed record SinkRegistration(Func<IServiceProvider, IStationSink> Create, bool Durable);

internal sealed record InspectorInputOverride(IInspectorInput Input);

internal sealed record OutputsOverride(IStationOutputs Outputs);

internal sealed record PipelineTuning(Action<PipelineOptions> Apply);
