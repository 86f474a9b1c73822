using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Native;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Dashboard;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Pipeline.Quality;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace EdgeInspect.Worker.Cli;

/// <summary>
/// `edgeinspect demo`: the real station on embedded defaults. The reference model inspects a video of the line
/// (built from the repository's sample frames) in which the factory lights dim to 55% and later come back; a
/// scripted inspector answers at about 97% accuracy; results go through the durable outbox to a mosquitto broker
/// started on a free loopback port; a subscriber prints what a plant supervisor sees.
/// </summary>
public static class DemoCommand
{
    /// <summary>The demo station, as a station config built in memory: the same loader and validation as `run` use on a file.</summary>
    private const string StationTemplate = """
        {
          "station": { "deviceId": "demo-box-01", "site": "demo-site", "area": "assembly", "line": "line1", "name": "demo", "configRevision": "demo-embedded-1" },
          "automation": { "mode": "shadow", "canaryFraction": 0.1, "auditFraction": 0.02, "verdictTimeout": "00:00:03", "noDecisionAction": "reject" },
          "promotion": { "minParts": {{MIN_PARTS}}, "minAgreement": 0.95, "minDefectRecallLowerBound": 0.85, "autoPromote": false },
          "samples": { "folder": "{{WORK}}/samples", "quotaBytes": 67108864, "randomFraction": 0.01, "saveDisagreements": true, "saveUncertain": true },
          "statistics": { "windowParts": 200 },
          "capture": { "cameraId": "cam0", "source": "file:{{VIDEO}}", "endOfStream": "stop" },
          "model": { "package": "{{MODEL}}", "modelsFolder": "{{MODELS}}", "inference": { "intraOpThreads": 1 } },
          "link": { "host": "127.0.0.1", "port": {{PORT}}, "keepAlive": "00:00:15" },
          "outbox": { "path": "{{WORK}}/outbox.db" },
          "inspector": { "backend": "scripted", "scripted": { "position": "left", "inspectorId": "inspector-ana", "errorRate": 0.03, "responseDelay": "00:00:00.040", "responseJitter": "00:00:00.020", "seed": 7 } },
          "pipeline": { "poolFrames": 24, "queueFrames": 8, "metricsInterval": "00:00:02", "labels": "{{LABELS}}" }
        }
        """;

    public static Command Create()
    {
        var passes = new Option<int>("--passes") { Description = "How many times the sample frames pass under each light (normal, dim, normal).", DefaultValueFactory = _ => 2 };
        var keep = new Option<bool>("--keep") { Description = "Keep the demo's working folder (video, outbox, samples)." };
        var hold = new Option<int>("--hold") { Description = "Seconds the dashboard keeps serving after the video ends (0: stop at once).", DefaultValueFactory = _ => 0 };
        var command = new Command("demo", "Run the station on embedded defaults: reference model, a line video with a light change, scripted inspector, local broker.") { passes, keep, hold };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(passes), parse.GetValue(keep), Console.Out, Console.Error, cancellationToken, TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(hold)))));
        return command;
    }

    public static async Task<int> RunAsync(int passes, bool keep, TextWriter output, TextWriter error, CancellationToken cancellationToken, TimeSpan hold = default)
    {
        if (!NativeCheck.Ready(error))
        {
            return ExitCodes.EnvironmentNotReady;
        }

        if (MosquittoBroker.FindExecutable() is null)
        {
            error.WriteLine("edgeinspect demo: the mosquitto broker is not installed. Fix: run `bash scripts/bootstrap.sh` (or apt-get install mosquitto).");
            return ExitCodes.EnvironmentNotReady;
        }

        DemoAssets assets;
        try
        {
            assets = DemoAssets.Locate();
        }
        catch (FileNotFoundException e)
        {
            error.WriteLine($"edgeinspect demo: {e.Message}");
            return ExitCodes.EnvironmentNotReady;
        }

        var work = Directory.CreateTempSubdirectory("edgeinspect-demo-").FullName;
        try
        {
            return await RunInAsync(assets, work, Math.Clamp(passes, 1, 20), output, cancellationToken, hold);
        }
        finally
        {
            if (keep)
            {
                output.WriteLine($"Demo files kept in {work}");
            }
            else
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static async Task<int> RunInAsync(DemoAssets assets, string work, int passes, TextWriter output, CancellationToken cancellationToken, TimeSpan hold)
    {
        output.WriteLine("EdgeInspect demo: building a line video from the sample frames (lights dim to 55% part way through)...");
        var (video, labels, dimFrom, dimUntil) = assets.WriteLineVideo(work, passes, 0.55);
        var totalFrames = dimUntil + (dimUntil - dimFrom);

        using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(work, "broker"), cancellationToken);
        output.WriteLine($"Broker: mosquitto on {broker.Host}:{broker.Port}. Station: shadow mode, reference model, scripted inspector at ~97%.");

        var minParts = Math.Min(300, dimFrom);
        var json = StationTemplate
            .Replace("{{WORK}}", Json(work), StringComparison.Ordinal)
            .Replace("{{VIDEO}}", Json(video), StringComparison.Ordinal)
            .Replace("{{MODEL}}", Json(assets.ModelPackage), StringComparison.Ordinal)
            .Replace("{{MODELS}}", Json(assets.ModelsFolder), StringComparison.Ordinal)
            .Replace("{{LABELS}}", Json(labels), StringComparison.Ordinal)
            .Replace("{{PORT}}", broker.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{MIN_PARTS}}", minParts.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var config = StationConfigLoader.CreateDefault().LoadJson(json, "the demo station (in memory)");
        if (!config.IsValid)
        {
            ConfigValidateCommand.WriteErrors(output, config.Source, config.Errors);
            return ExitCodes.Failed;
        }

        var observer = new DemoObserver(minParts);
        var builder = StationHost.CreateBuilder(LogLevel.Warning);
        builder.Services.AddEdgeInspectStation(config.Config).AddPlantLink().AddObserver(observer).AddDashboard(config.Config);
        using var host = builder.Build();
        var station = host.Services.GetRequiredService<StationRuntime>();
        observer.Quality = station.Pipeline.Quality;
        var topics = config.Config.Section<Link.LinkOptions>("link").Topics(config.Config.Options.Station);
        await using var supervisor = new SupervisorConsole(broker.Host, broker.Port, topics.Base, output);
        await supervisor.WaitConnectedAsync(TimeSpan.FromSeconds(10));
        await using var dashboard = await DemoDashboard.StartAsync(host.Services, output, cancellationToken);
        output.WriteLine($"Supervisor view of {topics.Base}/# :");

        var clock = Stopwatch.StartNew();
        await station.RunAsync(cancellationToken);
        var elapsed = clock.Elapsed;

        // Every result is durable in the outbox; give the link and the subscriber a moment to show them all.
        var parts = station.Pipeline.Routing.Decided;
        var deadline = Stopwatch.StartNew();
        while (supervisor.DistinctResults < parts && deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100, cancellationToken);
        }

        supervisor.EndLine();
        if (observer.GateVerdict is { } gate)
        {
            output.WriteLine(gate);
        }

        var agreement = station.Pipeline.Quality.AgreementSnapshot().ModelVsHuman.Cumulative;
        var table = new Table().Title("EdgeInspect demo summary").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("parts inspected", parts.ToString(CultureInfo.InvariantCulture));
        table.AddRow("frames in the video", $"{totalFrames} (lights at 55% for frames {dimFrom}-{dimUntil - 1})");
        table.AddRow("throughput", string.Create(CultureInfo.InvariantCulture, $"{parts / elapsed.TotalSeconds:0.0} parts/s ({elapsed.TotalSeconds:0.0} s)"));
        table.AddRow("results received over MQTT", $"{supervisor.DistinctResults} of {parts}");
        table.AddRow("agreement with the inspector", Figure(agreement.Agreement, agreement.AgreementInterval95));
        table.AddRow("Cohen's kappa", agreement.Kappa is { } k ? k.ToString("0.000", CultureInfo.InvariantCulture) : "n/a");
        table.AddRow("defect recall vs inspector", Figure(agreement.DefectRecall, agreement.DefectRecallInterval95));
        table.AddRow("incidents", observer.Incidents.Count == 0 ? "none" : string.Join("; ", observer.Incidents.Values.Select(Describe)));
        table.AddRow("incidents seen by the supervisor", string.Create(CultureInfo.InvariantCulture, $"{supervisor.IncidentsRaised} raised, {supervisor.IncidentsCleared} cleared"));
        table.AddRow("alerts grouped into them (on alert, for tools)", string.Create(CultureInfo.InvariantCulture,
            $"{observer.RaisedAlerts.Distinct().Count()} alerts raised, {supervisor.AlertsSeen} alert transitions"));
        table.AddRow("frames dropped", station.Pipeline.Output.Dropped == 0 && station.Pipeline.Camera.Counters.DroppedPoolExhausted == 0 && station.Pipeline.Camera.Frames.Dropped == 0 ? "0" : "see metrics");
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = Math.Max(console.Profile.Width, 110);
        console.Write(table);
        await dashboard.HoldAsync(hold, output, cancellationToken);

        return parts > 0 && supervisor.DistinctResults >= parts ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string Figure(double? value, Core.Statistics.Interval? interval) =>
        value is not { } v ? "n/a"
        : interval is { } i ? string.Create(CultureInfo.InvariantCulture, $"{v:P1} (95% CI {i.Lower:P1}-{i.Upper:P1})")
        : v.ToString("P1", CultureInfo.InvariantCulture);

    private static string Describe((IncidentEvent Raised, IncidentEvent Last, int Messages) incident)
    {
        var (raised, last, messages) = incident;
        var i = last.Incident;
        var end = i.State == IncidentState.Cleared ? $"cleared at frame {i.EndSeq}" : "still open at the end of the video";
        return string.Create(CultureInfo.InvariantCulture,
            $"{i.Diagnosis.Class.Name()} (raised as {raised.Incident.Diagnosis.Class.Name()} at frame {i.RaisedSeq}, {end}; {i.Members.Count} alerts, {messages} message{(messages == 1 ? "" : "s")})");
    }

    private static string Json(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>
    /// The demo's own view of the run: the promotion gate at the configured number of parts, the incidents, and which
    /// alerts were raised. It reads the quality stage's snapshot, which takes no lock a stage holds while it waits, so a full
    /// output queue cannot stall it.
    /// </summary>
    private sealed class DemoObserver(int gateAfterParts) : IStationSink
    {
        private long _parts;

        public QualityStage? Quality { get; set; }

        public string? GateVerdict { get; private set; }

        public List<string> RaisedAlerts { get; } = [];

        /// <summary>Each incident by id: its raised event, its latest event and how many messages it took.</summary>
        public Dictionary<string, (IncidentEvent Raised, IncidentEvent Last, int Messages)> Incidents { get; } = new(StringComparer.Ordinal);

        public ValueTask IncidentAsync(IncidentEvent incident, CancellationToken cancellationToken)
        {
            var id = incident.Incident.Id;
            Incidents[id] = Incidents.TryGetValue(id, out var seen) ? (seen.Raised, incident, seen.Messages + 1) : (incident, incident, 1);
            return ValueTask.CompletedTask;
        }

        public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
        {
            if (++_parts == gateAfterParts && Quality is { } quality)
            {
                var evaluation = quality.PromotionEvaluation();
                GateVerdict = $"Promotion gate after {gateAfterParts} parts in shadow: {(evaluation.Ready ? "READY to raise automation" : "NOT READY")}; "
                              + string.Join("; ", evaluation.Criteria.Select(c => c.Reason));
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken)
        {
            if (transition.To == AlertState.Alert && !transition.IsRepeat)
            {
                RaisedAlerts.Add(transition.Name);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask CaptureAlertAsync(CaptureEvent alert, CancellationToken cancellationToken)
        {
            if (alert.IsAlert)
            {
                RaisedAlerts.Add($"{alert.CameraId}.{alert.Kind}");
            }

            return ValueTask.CompletedTask;
        }
    }
}
