using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// The Generic Host every station verb builds on: its DI container, and the one logging pipeline (single-line
/// console). `run` runs the host; `demo`, `replay` and `bench` use its services and run the station themselves.
/// </summary>
public static class StationHost
{
    /// <param name="minimumLevel">Information for the service; Warning for verbs whose own output is the point.</param>
    public static HostApplicationBuilder CreateBuilder(LogLevel minimumLevel = LogLevel.Information)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
