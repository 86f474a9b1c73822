using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Quality;

namespace EdgeInspect.Worker.Telemetry;

/// <summary>
/// The station's telemetry in its container: <see cref="StationFigures"/> (the stages' counters, read once per
/// collection), the station-level instruments, and the OpenTelemetry provider. Part of every station
/// (<see cref="StationServiceCollectionExtensions.AddEdgeInspectStation"/>); the provider exists only where something
/// reads it: the dashboard's /metrics (<see cref="PrometheusScrape"/>) or an OTLP collector.
/// </summary>
public static class TelemetryRegistration
{
    public static IServiceCollection AddStationTelemetry(this IServiceCollection services)
    {
        services.AddSingleton(sp => new StationFigures(sp.GetServices<IMetricsSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new StationInstruments(sp.GetRequiredService<StationFigures>(), sp.GetRequiredService<QualityStage>(), sp.GetRequiredService<PipelineMetrics>()));
        services.AddSingleton(sp => new StationTelemetry(sp.GetRequiredService<StationConfig>(), sp.GetRequiredService<StationInstruments>(), sp.GetService<PrometheusScrape>() is not null));
        // Built with the station (StationRuntime resolves its companions), so OTLP pushes from the first part on.
        services.AddSingleton<IStationCompanion, TelemetryCompanion>();
        return services;
    }
}

/// <summary>Marks a station whose dashboard serves /metrics: the telemetry provider then carries a Prometheus reader.</summary>
public sealed class PrometheusScrape;

/// <summary>Holds the telemetry for the station's run; the provider itself outlives it (a dashboard held open still serves /metrics).</summary>
internal sealed class TelemetryCompanion(StationTelemetry telemetry) : IStationCompanion
{
    public StationTelemetry Telemetry { get; } = telemetry;

    public Task RunAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    public ValueTask PipelineDrainedAsync() => ValueTask.CompletedTask;
}
