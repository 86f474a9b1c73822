using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Automation;
using EdgeInspect.Worker.Cli;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Pipeline;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>
/// `edgeinspect bench --dashboard-clients N`: what open dashboards cost the station. The same paced station (plant link
/// to a local broker, scripted inspector for audits) runs alternately without a dashboard, with the dashboard and no
/// client (the server and the Prometheus reader alone), and with N clients on its live feed; the process CPU time per
/// decided part of the steady state (after a warm-up) is compared. The target (issue 15): with three clients, at most
/// 3% more CPU per part than without a dashboard.
/// </summary>
/// <remarks>
/// The clients are separate processes (<c>curl -N</c> on <c>/api/events</c>) when curl is installed, as browsers would
/// be, so their own reading is not counted against the station; without curl they are in-process readers, whose cost
/// is then included (the output says which). Rounds alternate (off, on, off, on…) so a machine's drift in load
/// falls on both sides; a first run is discarded (JIT tiering would charge the first side).
/// </remarks>
public static class DashboardLoad
{
    private const int Warmup = 50;

    /// <summary>Runs the comparison and prints it (or its JSON).</summary>
    /// <returns>0 when every run decided its parts.</returns>
    public static async Task<int> RunAsync(string modelPackage, string source, int frames, int threads, double rate, int clients, bool json,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!Cli.NativeCheck.Ready(error))
        {
            return ExitCodes.EnvironmentNotReady;
        }

        var (sourceUri, _) = Cli.ReplayCommand.ResolveSource(source);
        if (sourceUri is null || frames < 2 * Warmup || clients is < 1 or > 64)
        {
            error.WriteLine($"--source must be a folder of images or a video, --frames at least {2 * Warmup}, --dashboard-clients 1..64");
            return ExitCodes.InvalidInput;
        }

        var labels = Cli.ReplayCommand.FindLabels(source);
        rate = rate > 0 ? rate : 20;
        const int rounds = 2;
        var curl = FindCurl();
        var off = new List<double>();
        var idle = new List<double>();
        var on = new List<double>();

        // One run thrown away first: the first station of the process pays for JIT tiering, not for the dashboard.
        await RunOnceAsync(modelPackage, sourceUri, labels, frames, threads, rate, true, clients, curl, cancellationToken);
        for (var round = 0; round < rounds; round++)
        {
            off.Add(await RunOnceAsync(modelPackage, sourceUri, labels, frames, threads, rate, false, 0, null, cancellationToken));
            idle.Add(await RunOnceAsync(modelPackage, sourceUri, labels, frames, threads, rate, true, 0, null, cancellationToken));
            on.Add(await RunOnceAsync(modelPackage, sourceUri, labels, frames, threads, rate, true, clients, curl, cancellationToken));
        }

        var offMs = off.Average();
        var onMs = on.Average();
        var growth = (onMs / offMs) - 1;
        var figures = new JsonObject
        {
            ["machine"] = $"{Environment.ProcessorCount} cores, .NET {Environment.Version}",
            ["rateFps"] = rate,
            ["framesPerRun"] = frames,
            ["rounds"] = rounds,
            ["clients"] = clients,
            ["clientsOutOfProcess"] = curl is not null,
            ["cpuMsPerPartWithoutDashboard"] = Math.Round(offMs, 4),
            ["cpuMsPerPartDashboardNoClients"] = Math.Round(idle.Average(), 4),
            ["cpuMsPerPartWithClients"] = Math.Round(onMs, 4),
            ["runsWithoutDashboard"] = new JsonArray([.. off.Select(v => (JsonNode)Math.Round(v, 4))]),
            ["runsWithClients"] = new JsonArray([.. on.Select(v => (JsonNode)Math.Round(v, 4))]),
            ["growth"] = Math.Round(growth, 4),
            ["targets"] = new JsonObject { ["growthAtMost3Percent"] = growth <= 0.03 },
        };
        if (json)
        {
            output.WriteLine(figures.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine(string.Create(inv, $"dashboard load: camera paced at {rate:0.#} fps, {frames} frames a run, {rounds} rounds, {clients} client(s) {(curl is null ? "in-process (no curl: their reading is counted)" : "as curl processes")}"));
            output.WriteLine(string.Create(inv, $"  CPU ms per part without dashboard {offMs,8:0.000}   ({string.Join(", ", off.Select(v => v.ToString("0.000", inv)))})"));
            output.WriteLine(string.Create(inv, $"  CPU ms per part, dashboard, no client {idle.Average(),8:0.000}   ({string.Join(", ", idle.Select(v => v.ToString("0.000", inv)))})"));
            output.WriteLine(string.Create(inv, $"  CPU ms per part with {clients} client(s) {onMs,8:0.000}   ({string.Join(", ", on.Select(v => v.ToString("0.000", inv)))})"));
            output.WriteLine(string.Create(inv, $"  growth {growth:+0.0%;-0.0%} (target <= +3%)"));
        }

        return ExitCodes.Ok;
    }

    private static async Task<double> RunOnceAsync(string modelPackage, string sourceUri, string? labels, int frames, int threads, double rate, bool dashboard, int clients,
        string? curl, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("edgeinspect-dashload-").FullName;
        var readers = new List<Process>();
        try
        {
            using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(work, "broker"), cancellationToken);
            var config = Config(work, modelPackage, sourceUri, labels, threads, rate, broker.Port, dashboard);
            var loaded = StationConfigLoader.CreateDefault().LoadJson(config.ToJsonString(), "the dashboard-load station (in memory)");
            if (!loaded.IsValid)
            {
                throw new InvalidOperationException("dashboard-load station config is invalid: " + string.Join("; ", loaded.Errors));
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var meter = new CpuPerPart(frames, Warmup, stop);
            var builder = StationHost.CreateBuilder(LogLevel.Warning);
            builder.Services.AddEdgeInspectStation(loaded.Config).AddPlantLink().AddObserver(meter).AddDashboard(loaded.Config);
            using var host = builder.Build();
            var runtime = host.Services.GetRequiredService<StationRuntime>();
            var inProcess = new List<Task>();
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            if (host.Services.GetService<DashboardServer>() is { } server)
            {
                var url = await server.StartAsync(cancellationToken);
                var feed = host.Services.GetRequiredService<DashboardFeed>();
                for (var i = 0; i < clients; i++)
                {
                    if (curl is not null)
                    {
                        var start = new ProcessStartInfo(curl, ["-sN", "-o", "/dev/null", new Uri(url, "/api/events").ToString()]) { RedirectStandardError = true };
                        readers.Add(Process.Start(start)!);
                    }
                    else
                    {
                        inProcess.Add(ReadAsync(http, new Uri(url, "/api/events"), stop.Token));
                    }
                }

                var deadline = Stopwatch.StartNew();
                while (feed.Clients < clients && deadline.Elapsed < TimeSpan.FromSeconds(20))
                {
                    await Task.Delay(20, cancellationToken);
                }

                if (feed.Clients < clients)
                {
                    throw new InvalidOperationException($"only {feed.Clients} of {clients} dashboard clients connected");
                }
            }

            await runtime.RunAsync(stop.Token);
            await stop.CancelAsync();
            await Task.WhenAll(inProcess);
            return meter.CpuMsPerPart;
        }
        finally
        {
            foreach (var reader in readers)
            {
                try
                {
                    reader.Kill();
                    await reader.WaitForExitAsync(CancellationToken.None);
                }
                catch (InvalidOperationException)
                {
                }

                reader.Dispose();
            }

            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task ReadAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await http.GetStreamAsync(url, cancellationToken);
            var buffer = new byte[16 * 1024];
            while (await stream.ReadAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
    }

    private static string? FindCurl() =>
        new[] { "/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl" }.FirstOrDefault(File.Exists);

    /// <summary>The bench's own station (BenchCommand.StationConfig, live mode), with snapshots every 5 s and the dashboard on or off.</summary>
    private static JsonObject Config(string work, string modelPackage, string sourceUri, string? labels, int threads, double rate, int port, bool dashboard)
    {
        var config = BenchCommand.StationConfig(work, modelPackage, sourceUri, threads, rate, AutomationMode.Live, labels, port);
        config["pipeline"]!["metricsInterval"] = "00:00:05";
        config["dashboard"] = new JsonObject { ["enabled"] = dashboard, ["url"] = "http://127.0.0.1:0" };
        return config;
    }

    /// <summary>Process CPU time over the decided parts after the warm-up; stops the station after the last.</summary>
    private sealed class CpuPerPart(int frames, int warmup, CancellationTokenSource stop) : IStationSink
    {
        private long _parts;
        private TimeSpan _startCpu;
        private TimeSpan _endCpu;

        public double CpuMsPerPart => (_endCpu - _startCpu).TotalMilliseconds / (frames - warmup);

        public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
        {
            var n = ++_parts;
            if (n == warmup)
            {
                _startCpu = Environment.CpuUsage.TotalTime;
            }
            else if (n == frames)
            {
                _endCpu = Environment.CpuUsage.TotalTime;
                stop.Cancel();
            }

            return ValueTask.CompletedTask;
        }
    }
}
