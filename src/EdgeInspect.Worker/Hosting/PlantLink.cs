using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Link;
using LinkOptions = EdgeInspect.Worker.Link.LinkOptions;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// The station's side of the plant link, in one place: what the pipeline gives the outbox and the MQTT link, and what
/// it takes from them. Everything MQTT is behind this file; the stages know none of it.
/// </summary>
/// <remarks>
/// The pipeline provides: <see cref="IStationSink"/> messages (results, audits, alerts, events, metrics) in order,
/// <see cref="StationCommands"/> for the command dispatcher, <see cref="StationControl.StatusChanged"/> for the retained
/// status, and <see cref="IStationCompanion"/> for the ordered shutdown. The link side provides: the durable sink
/// (<see cref="OutboxSink"/>, which must not lose what it accepted and drains on <see cref="OutboxSink.DrainAsync"/>), the
/// dispatcher the command loop feeds, the status it publishes, and its figures for the metrics body.
/// </remarks>
public static class PlantLink
{
    /// <summary>The durable outbox, the MQTT link and the command verbs: what `run`, `demo` and `bench` add to a station.</summary>
    public static StationBuilder AddPlantLink(this StationBuilder station)
    {
        var services = station.Services;
        services.AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<StationConfig>();
            var link = config.Section<LinkOptions>("link");
            var identity = config.Options.Station;
            // The station section is the one source of the device's identity; the link publishes under it.
            link.DeviceId = identity.DeviceId;
            link.Site = identity.Site;
            link.Area = identity.Area;
            link.Line = identity.Line;
            link.Station = identity.Name;
            return link;
        });
        services.AddSingleton(sp => Outbox.Open(sp.GetRequiredService<LinkOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Outbox>>()));
        services.AddSingleton(sp => new OutboxSink(sp.GetRequiredService<Outbox>()));
        station.AddSink(sp => sp.GetRequiredService<OutboxSink>(), durable: true);
        services.AddSingleton(sp =>
        {
            var link = sp.GetRequiredService<LinkOptions>();
            return new CommandDispatcher(link.CommandHmacKey(), link.CommandMaxSkew, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new LinkService(sp.GetRequiredService<LinkOptions>(), sp.GetRequiredService<Outbox>(), sp.GetRequiredService<CommandDispatcher>(),
            sp.GetRequiredService<ILogger<LinkService>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<PlantLinkCompanion>();
        services.AddSingleton<IStationCompanion>(sp => sp.GetRequiredService<PlantLinkCompanion>());
        services.AddSingleton<IMetricsSource, PlantLinkMetrics>();
        return station;
    }
}

/// <summary>Runs the MQTT link beside the pipeline, registers the command verbs and keeps the retained status current.</summary>
public sealed class PlantLinkCompanion : IStationCompanion
{
    private readonly LinkService _link;
    private readonly OutboxSink _sink;
    private readonly StationControl _control;

    public PlantLinkCompanion(LinkService link, Outbox outbox, OutboxSink sink, CommandDispatcher dispatcher, StationControl control, StationConfig config,
        PipelineMetrics instruments)
    {
        _link = link;
        _sink = sink;
        _control = control;
        StationCommands.Register(dispatcher, control, config.Section<ModelSection>("model"));
        instruments.RegisterOutbox(() => outbox.Depth);
        RefreshStatus();
        control.StatusChanged += RefreshStatus;
    }

    public Task RunAsync(CancellationToken stoppingToken) => _link.RunAsync(stoppingToken);

    public ValueTask PipelineDrainedAsync() => _sink.DrainAsync();

    /// <summary>The retained birth message carries the mode and the active model.</summary>
    private void RefreshStatus() =>
        _link.Status = _link.Status with { Mode = _control.Mode.ToName(), Model = _control.Models.Active?.Identity.ToString() };
}

/// <summary>The outbox's and the link's figures in the metrics body. Depends on neither control nor the pipeline, so the metrics stage can read it.</summary>
public sealed class PlantLinkMetrics(LinkService link, Outbox outbox) : IMetricsSource
{
    public void WriteTo(IDictionary<string, double> values)
    {
        values["outbox.depth"] = outbox.Depth;
        values["outbox.bytes"] = outbox.Bytes;
        values["outbox.dropped_metrics"] = outbox.DroppedMetrics;
        values["link.published"] = link.Counters.Published;
        values["link.acknowledged"] = link.Counters.Acknowledged;
        values["link.reconnects"] = link.Counters.Reconnects;
    }
}
