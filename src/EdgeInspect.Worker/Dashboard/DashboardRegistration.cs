using EdgeInspect.Core.Samples;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Quality;
using EdgeInspect.Worker.Telemetry;
using Microsoft.Extensions.Hosting;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>
/// The dashboard in a station's container: the feed (an observer of everything the station publishes), the view over
/// the stages, the web server, and the Prometheus reader on the telemetry provider. `run` and `demo` add it; replay
/// and bench do not (bench adds it only for its dashboard-clients figure).
/// </summary>
public static class DashboardRegistration
{
    /// <summary>Adds the dashboard when <c>dashboard:enabled</c> (the default); otherwise adds nothing.</summary>
    public static StationBuilder AddDashboard(this StationBuilder station, StationConfig config)
    {
        var options = config.Section<DashboardOptions>("dashboard");
        if (!options.Enabled)
        {
            return station;
        }

        var services = station.Services;
        services.AddSingleton(options);
        services.AddSingleton(sp => new DashboardFeed(options, sp.GetRequiredService<TimeProvider>()));
        station.AddSink(sp => sp.GetRequiredService<DashboardFeed>());
        services.AddSingleton<PrometheusScrape>();
        services.AddSingleton(sp => new StationView(sp.GetRequiredService<StationConfig>(), sp.GetRequiredService<StationControl>(), sp.GetRequiredService<QualityStage>(),
            sp.GetRequiredService<StationFigures>(), sp.GetService<PlantLink>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DashboardServer(options, DashboardServer.ReadToken(options), sp.GetRequiredService<StationView>(), sp.GetRequiredService<DashboardFeed>(),
            sp.GetRequiredService<StationTelemetry>(), new SampleGallery(sp.GetRequiredService<SampleOptions>().Folder, options.GalleryLimit),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IStationCompanion, DashboardCompanion>();
        return station;
    }

    /// <summary>For `run`: the dashboard starts with the host and stops after the station (a hosted service).</summary>
    public static IServiceCollection AddDashboardHosting(this IServiceCollection services, StationConfig config)
    {
        if (config.Section<DashboardOptions>("dashboard").Enabled)
        {
            services.AddHostedService<DashboardHostedService>();
        }

        return services;
    }
}

/// <summary>Tells the view whether the station runs: the dashboard may outlive it (`demo --hold`).</summary>
internal sealed class DashboardCompanion(StationView view) : IStationCompanion
{
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        view.State = StationRunState.Running;
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            view.State = StationRunState.Stopped;
        }
    }

    public ValueTask PipelineDrainedAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// Starts the dashboard before the station worker runs and stops it when the host stops. A dashboard that cannot bind
/// its address is logged and left off: the line keeps its inspection whatever holds the port.
/// </summary>
internal sealed class DashboardHostedService(DashboardServer server, ILogger<DashboardHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var url = await server.StartAsync(cancellationToken);
            logger.LogInformation("Dashboard at {Url}", url);
        }
        catch (StationStartupException e)
        {
            logger.LogError("The dashboard is off, the station runs without it: {Reason}", e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
