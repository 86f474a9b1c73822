using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Pipeline.Control;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// The station as a Generic Host worker (`run`): runs the <see cref="StationRuntime"/> on the host's stopping token
/// (SIGTERM, Ctrl+C) and watches the station file. Safe fields (mode, thresholds, sampling rates) apply at once on
/// reload; a change to anything else is logged with the fields that need a restart; an invalid file is refused and
/// the running config stays.
/// </summary>
public sealed class StationWorker(StationRuntime station, StationControl control, StationConfig config, IHostApplicationLifetime lifetime, ILogger<StationWorker> logger)
    : BackgroundService
{
    private IConfiguration _current = config.Configuration;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var reload = WatchFile(config.Source);
        try
        {
            await station.RunAsync(stoppingToken);
        }
        finally
        {
            // A finite source (a replayed video) ends the run by itself; stop the host with it.
            lifetime.StopApplication();
        }
    }

    private IDisposable? WatchFile(string file)
    {
        if (!File.Exists(file))
        {
            return null; // a station config built in memory has no file to watch
        }

        var configuration = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: true).Build();
        return ChangeToken.OnChange(configuration.GetReloadToken, () => OnReload(file));
    }

    private void OnReload(string file)
    {
        var result = StationConfigLoader.CreateDefault().LoadFile(file);
        if (!result.IsValid)
        {
            logger.LogError("Station file {File} changed but is invalid; keeping the running config:{NewLine}{Errors}", file, Environment.NewLine,
                string.Join(Environment.NewLine, result.Errors.Select(e => "  " + e)));
            return;
        }

        var changes = ReloadPolicy.CreateDefault().Compare(_current, result.Config.Configuration);
        if (changes.IsEmpty)
        {
            return;
        }

        control.ApplyReload(result.Config);
        if (changes.RequiresRestart)
        {
            logger.LogWarning("Station file changed fields that take effect only after a restart: {Fields}", string.Join(", ", changes.RestartRequired));
        }

        logger.LogInformation("Station file reloaded: {Changes}", changes.Describe());
        _current = result.Config.Configuration;
    }
}
