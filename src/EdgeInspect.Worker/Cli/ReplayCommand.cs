using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Records;
using EdgeInspect.Native;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Replay;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Cli;

/// <summary>
/// `edgeinspect replay --source &lt;folder|video&gt; [--labels labels.csv] --model &lt;package&gt; [--mode shadow|live] --report &lt;dir&gt;`:
/// runs the real pipeline offline over recorded frames (no GPIO, no broker) and writes report.json and report.html.
/// With labels, a scripted inspector answers from them (never wrong), so shadow mode compares model and labels.
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var source = new Option<string>("--source") { Description = "A folder of images (read in name order) or a video file.", Required = true };
        var labels = new Option<string?>("--labels") { Description = "labels.csv (file,...,class_name,...) in frame order; default: labels.csv next to the source." };
        var model = new Option<string>("--model") { Description = "The model package to evaluate.", Required = true };
        var mode = new Option<string>("--mode") { Description = "shadow (the labels decide; model compared) or live (the model decides).", DefaultValueFactory = _ => "shadow" };
        mode.AcceptOnlyFromAmong("shadow", "live");
        var report = new Option<string>("--report") { Description = "Folder for report.json and report.html.", Required = true };
        var predictions = new Option<string?>("--predictions") { Description = "Also write every frame's model output (seq, file, class, score, probabilities) to this CSV file, e.g. to compare two machines." };
        var command = new Command("replay", "Evaluate a model on recorded frames through the real pipeline; write an HTML and JSON report.") { source, labels, model, mode, report, predictions };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(source)!, parse.GetValue(labels), parse.GetValue(model)!, parse.GetValue(mode)!, parse.GetValue(report)!,
            ReplayProgressDisplays.ForConsole(), Console.Out, Console.Error, cancellationToken, parse.GetValue(predictions)));
        return command;
    }

    public static async Task<int> RunAsync(string source, string? labels, string modelPackage, string mode, string reportFolder,
        IReplayProgressDisplay progress, TextWriter output, TextWriter error, CancellationToken cancellationToken, string? predictionsFile = null,
        IStationSink? observer = null)
    {
        if (!NativeCheck.Ready(error, NativeLibraryId.OnnxRuntime, NativeLibraryId.OpenCvShim))
        {
            return ExitCodes.EnvironmentNotReady;
        }

        var (sourceUri, frameFolder) = ResolveSource(source);
        if (sourceUri is null)
        {
            error.WriteLine($"--source: '{source}' is neither a folder of images nor a video file");
            return ExitCodes.InvalidInput;
        }

        labels ??= FindLabels(source);
        // Without labels nobody can answer for a human: the model decides every part.
        var automationMode = labels is null || mode == "live" ? AutomationMode.Live : AutomationMode.Shadow;
        var config = StationConfigLoader.CreateDefault().LoadJson(StationConfig(sourceUri, labels, modelPackage, automationMode).ToJsonString(), "the replay station (in memory)");
        if (!config.IsValid)
        {
            ConfigValidateCommand.WriteErrors(error, config.Source, config.Errors);
            return ExitCodes.InvalidInput;
        }

        var sink = new ReportSink { Predictions = predictionsFile is null ? null : [] };
        var thumbnails = new MislabelledThumbnails(new JpegFrameEncoder(85));
        var builder = StationHost.CreateBuilder(LogLevel.Warning);
        var services = builder.Services.AddEdgeInspectStation(config.Config).AddObserver(sink).AddInspectionObserver(thumbnails);
        if (observer is not null)
        {
            // A caller's own view of the same run (the scenario evaluation reads every incident event and alert from it).
            services.AddObserver(observer);
        }

        using var host = builder.Build();
        StationRuntime station;
        try
        {
            station = host.Services.GetRequiredService<StationRuntime>();
        }
        catch (StationStartupException e)
        {
            error.WriteLine($"edgeinspect replay: {e.Message}");
            return ExitCodes.InvalidInput;
        }

        var model = station.Pipeline.Control.Models.Active!;
        var truth = host.Services.GetRequiredService<StationLabels>().Truth;
        var classNames = model.Manifest.Output.ClassNames;
        var expected = frameFolder is not null ? Directory.GetFiles(frameFolder).Count(IsImage) : truth?.Count ?? 0;
        var report = new ReplayReportBuilder(new ReplayReportOptions
        {
            ClassNames = classNames,
            OkClass = model.Manifest.Output.OkIndex,
            DefectThreshold = model.Manifest.Decision.DefectThreshold,
            ExpectedFrames = expected,
        });
        thumbnails.Start(truth, classNames);
        sink.Start(report, truth, classNames, thumbnails);
        var identity = model.Identity;

        var time = TimeProvider.System;
        var started = time.GetUtcNow();
        await progress.RunAsync<int>(expected > 0 ? expected : null, async reporter =>
        {
            sink.Progress = reporter;
            await station.RunAsync(cancellationToken);
            return 0;
        });
        var built = report.Build(new ReplayRun(identity, source, automationMode.ToName()), started, time.GetUtcNow());
        Directory.CreateDirectory(reportFolder);
        var json = await ReportJsonWriter.WriteAsync(built, reportFolder, cancellationToken);
        var html = await ReportHtmlWriter.WriteAsync(built, reportFolder, cancellationToken);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Replayed {report.Frames} frames with {identity}: {(truth is null ? "no labels" : $"accuracy {built.Evaluation?.Accuracy:P2}")}; {Incidents(built.Incidents)} from {sink.AlertsRaised} alert(s) raised."));
        foreach (var incident in built.Incidents)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  incident {incident.Id}: {incident.Diagnosis.Class} (confidence {incident.Diagnosis.Confidence:0.00}), frames {incident.RaisedFrame}-{(incident.EndFrame is { } end ? end.ToString(CultureInfo.InvariantCulture) : "end (open)")}, {incident.Members.Count} alerts. {incident.Diagnosis.Action}"));
        }

        output.WriteLine($"Report: {html}");
        output.WriteLine($"        {json}");
        if (predictionsFile is not null)
        {
            await WritePredictionsAsync(predictionsFile, classNames, sink.Predictions!, cancellationToken);
            output.WriteLine($"        {Path.GetFullPath(predictionsFile)}");
        }

        return report.Frames > 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string Incidents(IReadOnlyList<ReplayIncident> incidents) => incidents.Count switch
    {
        0 => "no incident",
        1 => $"1 incident ({incidents[0].Diagnosis.Class})",
        _ => $"{incidents.Count} incidents ({string.Join(", ", incidents.Select(i => i.Diagnosis.Class))})",
    };

    /// <summary>
    /// The replay's station, in memory: no plant link, no outputs, no samples; the source is replayed once, losslessly;
    /// with labels, a scripted inspector that is never wrong and answers at once.
    /// </summary>
    private static JsonObject StationConfig(string sourceUri, string? labels, string modelPackage, AutomationMode mode) => new()
    {
        ["station"] = new JsonObject { ["deviceId"] = "replay", ["site"] = "offline", ["area"] = "offline", ["line"] = "offline", ["name"] = "replay", ["configRevision"] = "replay" },
        ["automation"] = new JsonObject { ["mode"] = mode.ToName(), ["verdictTimeout"] = "00:00:10", ["auditFraction"] = labels is null ? 0.0 : 0.02 },
        ["samples"] = new JsonObject { ["randomFraction"] = 0.0, ["saveDisagreements"] = false, ["saveUncertain"] = false },
        ["capture"] = new JsonObject { ["cameraId"] = "replay", ["source"] = sourceUri, ["endOfStream"] = "stop" },
        ["model"] = new JsonObject { ["package"] = modelPackage, ["modelsFolder"] = Path.GetDirectoryName(Path.GetFullPath(modelPackage)) },
        // Required by the loader; replay publishes nothing, so no link is started.
        ["link"] = new JsonObject { ["host"] = "127.0.0.1" },
        ["inspector"] = labels is null
            ? new JsonObject { ["backend"] = "none", ["allowRunWithoutInspector"] = true }
            : new JsonObject
            {
                ["backend"] = "scripted",
                ["scripted"] = new JsonObject { ["position"] = "replay", ["inspectorId"] = "labels", ["errorRate"] = 0.0, ["responseDelay"] = "00:00:00", ["responseJitter"] = "00:00:00" },
            },
        ["pipeline"] = new JsonObject { ["poolFrames"] = 16, ["queueFrames"] = 8, ["metricsInterval"] = "01:00:00", ["labels"] = labels ?? "" },
    };

    /// <summary>
    /// One line per frame in seq order: <c>seq,file,class,score,p_{class}...</c>, probabilities written round-trip ("R"),
    /// so two machines' files can be compared to any tolerance (scripts/arm64-check.sh compares arm64 with x64).
    /// </summary>
    private static async Task WritePredictionsAsync(string path, IReadOnlyList<string> classNames, List<(long Seq, string? File, ModelOutputRecord? Output)> rows, CancellationToken cancellationToken)
    {
        var text = new System.Text.StringBuilder();
        text.Append("seq,file,class,score");
        foreach (var name in classNames)
        {
            text.Append(",p_").Append(name);
        }

        text.Append('\n');
        foreach (var (seq, file, output) in rows.OrderBy(r => r.Seq))
        {
            text.Append(CultureInfo.InvariantCulture, $"{seq},{file},{output?.Class},{output?.Score.ToString("R", CultureInfo.InvariantCulture)}");
            foreach (var p in output?.Probabilities ?? [])
            {
                text.Append(',').Append(p.ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, text.ToString(), cancellationToken);
    }

    /// <summary>A folder (or a data set folder with frames/ inside) becomes a folder source; a file, a video source; else null.</summary>
    internal static (string? Uri, string? Folder) ResolveSource(string source)
    {
        if (Directory.Exists(source))
        {
            var frames = Path.Combine(source, "frames");
            var folder = Directory.Exists(frames) ? frames : source;
            return ($"folder:{folder}", folder);
        }

        return File.Exists(source) ? ($"file:{source}", null) : (null, null);
    }

    internal static string? FindLabels(string source)
    {
        var beside = Directory.Exists(source) ? Path.Combine(source, "labels.csv") : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, "labels.csv");
        return File.Exists(beside) ? beside : null;
    }

    private static bool IsImage(string path) => Path.GetExtension(path).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png" or ".bmp";

    /// <summary>Feeds the report builder from the pipeline's finished parts, alert transitions and incidents.</summary>
    private sealed class ReportSink : IStationSink
    {
        private ReplayReportBuilder _builder = null!;
        private GroundTruth? _truth;
        private IReadOnlyList<string> _classNames = [];
        private MislabelledThumbnails _thumbnails = null!;
        private long _parts;

        public IReplayProgress? Progress { get; set; }

        /// <summary>When set (--predictions), every part's model output is kept here.</summary>
        public List<(long Seq, string? File, ModelOutputRecord? Output)>? Predictions { get; init; }

        public int AlertsRaised { get; private set; }

        public void Start(ReplayReportBuilder builder, GroundTruth? truth, IReadOnlyList<string> classNames, MislabelledThumbnails thumbnails)
        {
            _builder = builder;
            _truth = truth;
            _classNames = classNames;
            _thumbnails = thumbnails;
        }

        public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
        {
            var record = part.Record;
            var seq = record.Frame.Seq;
            var label = _truth?.ForSeq(seq);
            _builder.Observe(new FrameObservation
            {
                FrameIndex = seq - 1,
                File = label?.File,
                PredictedClass = MislabelledThumbnails.PredictedIndex(record.ModelOutput, _classNames),
                DefectScore = (float)(record.ModelOutput?.Score ?? 0),
                TrueClass = label is { } l ? IndexOf(_classNames, l.ClassName) : null,
                Brightness = (float)(record.Input?.Brightness ?? 0),
                Contrast = (float)(record.Input?.Contrast ?? 0),
                Sharpness = (float)(record.Input?.Sharpness ?? 0),
                Preprocess = part.PreprocessTime,
                Inference = part.InferenceTime,
                EndToEnd = part.CaptureToDecision,
                Image = _thumbnails.Take(record.PartId) ?? ReadOnlyMemory<byte>.Empty,
            });
            Predictions?.Add((seq, label?.File, record.ModelOutput));
            Progress?.Report(++_parts);
            return ValueTask.CompletedTask;
        }

        public ValueTask IncidentAsync(IncidentEvent incident, CancellationToken cancellationToken)
        {
            _builder.Incident(incident);
            return ValueTask.CompletedTask;
        }

        public ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken)
        {
            if (transition.IsRepeat || transition.From == transition.To)
            {
                return ValueTask.CompletedTask;
            }

            if (transition.To == AlertState.Alert)
            {
                AlertsRaised++;
                _builder.Alert(transition.WindowEndSeq - 1, transition.Name, raised: true, transition.Metric, transition.CurrentValue);
            }
            else if (transition.To == AlertState.Ok)
            {
                _builder.Alert(transition.WindowEndSeq - 1, transition.Name, raised: false, transition.Metric, transition.CurrentValue);
            }

            return ValueTask.CompletedTask;
        }

        internal static int IndexOf(IReadOnlyList<string> classNames, string name)
        {
            for (var i = 0; i < classNames.Count; i++)
            {
                if (classNames[i] == name)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
