using System.CommandLine;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Dashboard;
using EdgeInspect.Worker.Hosting;
using Microsoft.Extensions.Hosting;

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

        var builder = StationHost.CreateBuilder();
        builder.Services.AddEdgeInspectStation(result.Config).AddPlantLink().AddDashboard(result.Config);
        builder.Services.AddDashboardHosting(result.Config); // before the worker: it starts first and stops after the station
        builder.Services.AddHostedService<StationWorker>();
        var host = builder.Build();
        try
        {
            // Resolving the station builds it: a refused model or an inspector that cannot start fails here, not at 3 a.m.
            host.Services.GetRequiredService<StationRuntime>();
        }
        catch (StationStartupException e)
        {
            error.WriteLine($"edgeinspect: the station cannot start: {e.Message}");
            host.Dispose();
            return ExitCodes.InvalidInput;
        }

        // Runs until SIGTERM (or the end of a finite source), then disposes the host and with it the station.
        await host.RunAsync(cancellationToken);
        return ExitCodes.Ok;
    }
}
