using EdgeInspect.Worker.Pipeline.Camera;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Incidents;
using EdgeInspect.Worker.Pipeline.Inference;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Output;
using EdgeInspect.Worker.Pipeline.Quality;
using EdgeInspect.Worker.Pipeline.Routing;
using EdgeInspect.Worker.Pipeline.Sampling;
using EdgeInspect.Worker.Pipeline.Verdicts;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// The station's stages, in the order a frame walks them, and the queues between them (docs/architecture.md has the
/// picture):
/// <code>
/// Camera ─FrameQueue(Frame)─► Inference ─(InspectedPart)─► Routing ─(PartMessage)─► Sampling ─(PartMessage)─► Quality ─(StationOutput)─► Output ─► sinks
///                                                           ▲   │ ask                                           │ (IncidentInput)      ▲
///                                              (HumanVerdict)   ▼                                               ▼                      │
///                                                          Verdicts ◄─ inspector presses                     Incidents ─(StationOutput)┘
///                                                                                        (StationAction) ◄──────┘ (from quality too)
///                                                                                     Control ◄─ commands, reloads
/// </code>
/// Events (control, camera) and metrics join the output queue directly; capture's alerts also go to Incidents.
/// </summary>
/// <remarks>
/// <para>Each stage owns its input queue, its counters and its one job; this class only starts them and shuts them
/// down in order. Shutdown (the stopping token, or the end of a finite source): the camera stops, inference drains
/// the frame queue, routing decides every part (parts waiting for a human get their verdict, their timeout or their
/// deadline), then each later stage empties its queue, the final metrics snapshot goes out, and the sinks have had
/// every message when <see cref="RunAsync"/> returns.</para>
/// </remarks>
public sealed class StationPipeline(
    CameraStage camera,
    InferenceStage inference,
    RoutingStage routing,
    VerdictStage verdicts,
    SamplingStage sampling,
    QualityStage quality,
    IncidentStage incidents,
    StationControl control,
    MetricsStage metrics,
    OutputStage output,
    ILogger<StationPipeline> logger)
{
    public CameraStage Camera => camera;

    public InferenceStage Inference => inference;

    public RoutingStage Routing => routing;

    public VerdictStage Verdicts => verdicts;

    public SamplingStage Sampling => sampling;

    public QualityStage Quality => quality;

    public IncidentStage Incidents => incidents;

    public StationControl Control => control;

    public MetricsStage Metrics => metrics;

    public OutputStage Output => output;

    /// <summary>Runs until the source ends or <paramref name="stoppingToken"/> is cancelled, then drains every stage.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var sinks = Task.Run(output.RunAsync, CancellationToken.None);
        await control.PublishStartupAsync();
        var controlLoop = Task.Run(control.RunAsync, CancellationToken.None);
        var incidentLoop = Task.Run(() => incidents.RunAsync(control.Actions), CancellationToken.None);
        var qualityLoop = Task.Run(() => quality.RunAsync(control.Actions, incidents.Input), CancellationToken.None);
        var samplingLoop = Task.Run(() => sampling.RunAsync(quality.Input), CancellationToken.None);
        var routingLoop = Task.Run(() => routing.RunAsync(sampling.Input), CancellationToken.None);
        var verdictLoop = Task.Run(() => verdicts.RunAsync(routing.Input), CancellationToken.None);
        using var metricsStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var periodicMetrics = Task.Run(() => metrics.RunAsync(metricsStop.Token), CancellationToken.None);
        var inferenceLoop = inference.RunAsync(camera.Frames, routing.Input);
        var cameraLoop = camera.RunAsync(stoppingToken);

        // In frame order: each stage ends once the stage before it has ended and its queue is empty.
        await cameraLoop;
        await inferenceLoop;
        await routingLoop;
        await verdictLoop;
        await samplingLoop;
        await qualityLoop;
        await incidentLoop;
        await controlLoop;
        await metricsStop.CancelAsync();
        await periodicMetrics;
        await metrics.PublishFinalAsync();
        output.Complete();
        await sinks;
        logger.LogInformation("Pipeline drained: {Decided} parts decided, {Audits} audit verdicts", routing.Decided, routing.Audits);
    }
}
