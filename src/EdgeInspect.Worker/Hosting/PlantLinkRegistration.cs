using EdgeInspect.Core.Automation;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Incidents;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Quality;
using EdgeInspect.Worker.Sparkplug;
using EdgeInspect.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using LinkOptions = EdgeInspect.Worker.Link.LinkOptions;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// The station's side of the plant link, in one place: what the pipeline gives the outbox and the MQTT link, and what
/// it takes from them. Everything MQTT is behind this file; the stages know none of it.
/// </summary>
/// <remarks>
/// The pipeline provides: <see cref="IStationSink"/> messages (results, audits, alerts, events, metrics) in order,
/// <see cref="StationCommands"/> for the command dispatcher, <see cref="StationControl.StatusChanged"/> for the retained
/// status, and <see cref="IStationCompanion"/> for the ordered shutdown. The link side (<see cref="PlantLink"/>: outbox,
/// sink, MQTT link and command loop) provides the durable sink (<see cref="OutboxSink"/>, which must not lose what it
/// accepted and drains on <see cref="OutboxSink.DrainAsync"/>), the dispatcher the command loop feeds, the status it
/// publishes, and its figures for the metrics body.
/// </remarks>
public static class PlantLinkRegistration
{
    /// <summary>
    /// The durable outbox, the MQTT link and the command verbs: what `run`, `demo` and `bench` add to a station; with
    /// <c>link:sparkplug:enabled</c>, the Sparkplug B edge node beside them.
    /// </summary>
    public static StationBuilder AddPlantLink(this StationBuilder station)
    {
        var services = station.Services;
        services.AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<StationConfig>();
            try
            {
                // The station section is the one source of the device's identity; the outbox and the link take it from there.
                var plant = PlantLink.Open(config.Options.Station, config.Section<LinkOptions>("link"), config.Section<OutboxOptions>("outbox"),
                    sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>());
                if (!config.Section<SparkplugOptions>("link:sparkplug").Enabled)
                {
                    StationEdgeNode.DiscardLeftovers(plant.Outbox);
                }

                return plant;
            }
            catch (MqttSetupException e)
            {
                throw new StationStartupException(e.Message, e);
            }
        });
        services.AddSingleton(sp => sp.GetRequiredService<PlantLink>().Sink);
        station.AddSink(sp => sp.GetRequiredService<OutboxSink>(), durable: true);
        services.AddSingleton<PlantLinkCompanion>();
        services.AddSingleton<IStationCompanion>(sp => sp.GetRequiredService<PlantLinkCompanion>());
        services.AddSingleton<IMetricsSource, PlantLinkMetrics>();
        if (station.Config.Section<SparkplugOptions>("link:sparkplug").Enabled)
        {
            station.AddSparkplugEdgeNode();
        }

        return station;
    }
}

/// <summary>Runs the MQTT link and the command loop beside the pipeline, registers the command verbs and keeps the retained status current.</summary>
public sealed class PlantLinkCompanion : IStationCompanion
{
    private readonly PlantLink _plant;
    private readonly StationControl _control;

    public PlantLinkCompanion(PlantLink plant, StationControl control, StationConfig config, PipelineMetrics instruments)
    {
        _plant = plant;
        _control = control;
        StationCommands.Register(plant.Dispatcher, control, config.Section<ModelSection>("model"));
        instruments.RegisterOutbox(() => plant.Outbox.Depth);
        RefreshStatus();
        control.StatusChanged += RefreshStatus;
    }

    public Task RunAsync(CancellationToken stoppingToken) => _plant.RunAsync(stoppingToken);

    public ValueTask PipelineDrainedAsync() => _plant.Sink.DrainAsync();

    /// <summary>The retained birth message carries the mode and the active model.</summary>
    private void RefreshStatus() =>
        _plant.Link.Status = _plant.Link.Status with { Mode = _control.Mode.ToName(), Model = _control.Models.Active?.Identity.ToString() };
}

/// <summary>The outbox's and the link's figures in the metrics body. Depends on neither control nor the pipeline, so the metrics stage can read it.</summary>
public sealed class PlantLinkMetrics(PlantLink plant) : IMetricsSource
{
    public void WriteTo(IDictionary<string, double> values)
    {
        values["outbox.depth"] = plant.Outbox.Depth;
        values["outbox.bytes"] = plant.Outbox.Bytes;
        values["outbox.dropped_metrics"] = plant.Outbox.DroppedMetrics;
        var disk = plant.Outbox.Disk.Drops;
        values["outbox.disk_level"] = (int)plant.Outbox.Disk.Level;
        values["outbox.disk_dropped_records"] = disk.Records;
        values["outbox.disk_dropped_results"] = disk.Results;
        values["outbox.disk_dropped_metrics"] = disk.Metrics;
        values["link.published"] = plant.Link.Counters.Published;
        values["link.acknowledged"] = plant.Link.Counters.Acknowledged;
        values["link.reconnects"] = plant.Link.Counters.Reconnects;
    }
}

/// <summary>The Sparkplug B edge node (docs/sparkplug.md) on its own MQTT connection, fed from the station's output like the outbox.</summary>
internal static class SparkplugRegistration
{
    public static StationBuilder AddSparkplugEdgeNode(this StationBuilder station)
    {
        var services = station.Services;
        services.AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<StationConfig>();
            var plant = sp.GetRequiredService<PlantLink>();
            var models = sp.GetRequiredService<EdgeInspect.Core.Models.ModelSlots<EdgeInspect.Core.Models.IInferenceModel>>();
            var capture = config.Section<EdgeInspect.Core.Capture.CaptureOptions>("capture");
            var active = models.Active!;
            var start = new EdgeNodeStart(config.Options.Automation.Mode.ToName(), active.Identity, models.Candidate?.Identity, [capture.CameraId],
                SparkplugStationSink.DriftDetectors(active.Manifest, capture.CameraId, config.Section<EdgeInspect.Core.Monitoring.MonitoringOptions>("monitoring")),
                plant.Link.Status.Software);
            // Read on demand, not at construction: the node's sink is built with the output stage, before control and
            // quality exist (they depend on the output), so resolving them here would be a cycle.
            var readings = new StationReadings(() => models.Active?.Identity, () => models.Candidate?.Identity,
                () => sp.GetRequiredService<QualityStage>().PromotionEvaluation().Ready,
                () => sp.GetService<IncidentStage>()?.OpenIncidents().Count);
            try
            {
                return StationEdgeNode.Open(config.Section<SparkplugOptions>("link:sparkplug"), config.Section<LinkOptions>("link"), config.Options.Station,
                    plant.Outbox, plant.Dispatcher, start, readings, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>())!;
            }
            catch (MqttSetupException e)
            {
                throw new StationStartupException(e.Message, e);
            }
        });
        station.AddSink(sp => sp.GetRequiredService<StationEdgeNode>().Sink, durable: true);
        services.AddSingleton<IStationCompanion, SparkplugCompanion>();
        return station;
    }
}

/// <summary>Runs the edge node beside the plant link; after the pipeline drained, waits until its records are on disk.</summary>
internal sealed class SparkplugCompanion(StationEdgeNode node) : IStationCompanion
{
    public Task RunAsync(CancellationToken stoppingToken) => node.RunAsync(stoppingToken);

    public ValueTask PipelineDrainedAsync() => node.Sink.DrainAsync();
}
