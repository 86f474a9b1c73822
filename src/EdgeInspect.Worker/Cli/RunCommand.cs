using System.CommandLine;
using EdgeInspect.Native;
using EdgeInspect.Worker.Configuration;
using EdgeInspect.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Cli;

/// <summary>`edgeinspect run --config &lt;station file&gt;`: the station service.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "The station file (JSON), e.g. firmware-config/stations/demo.json.", Required = true };
        var command = new Command("run", "Run the station: camera, model, inspector, outbox and MQTT link, until SIGTERM.") { config };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(config)!.FullName, Console.Error, cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(string file, TextWriter error, CancellationToken cancellationToken)
    {
        var result = StationConfigLoader.CreateDefault().LoadFile(file);
        if (!result.IsValid)
        {
            ConfigValidateCommand.WriteErrors(error, file, result.Errors);
            return ExitCodes.InvalidInput;
        }

        if (!NativeCheck.Ready(error))
        {
            return ExitCodes.EnvironmentNotReady;
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }));
        StationRuntime station;
        try
        {
            station = StationRuntime.Create(result.Config!, loggers, TimeProvider.System);
        }
        catch (StationStartupException e)
        {
            error.WriteLine($"edgeinspect: the station cannot start: {e.Message}");
            return ExitCodes.InvalidInput;
        }

        await using (station)
        {
            builder.Services.AddSingleton(station);
            builder.Services.AddHostedService<StationWorker>();
            using var host = builder.Build();
            await host.RunAsync(cancellationToken);
        }

        return ExitCodes.Ok;
    }
}
