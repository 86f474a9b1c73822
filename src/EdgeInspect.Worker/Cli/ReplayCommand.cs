using System.CommandLine;
using System.Globalization;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Records;
using EdgeInspect.Core.Samples;
using EdgeInspect.Native;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Worker.Configuration;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Replay;
using Microsoft.Extensions.Logging;
using ReportAlertState = EdgeInspect.Worker.Replay.AlertState;

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
        IReplayProgressDisplay progress, TextWriter output, TextWriter error, CancellationToken cancellationToken, string? predictionsFile = null)
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
        IInferenceModel model;
        try
        {
            model = OnnxModel.Load(modelPackage);
        }
        catch (ModelPackageException e)
        {
            error.WriteLine($"--model: the package was refused: {e.Message}");
            return ExitCodes.InvalidInput;
        }

        GroundTruth? truth = null;
        if (labels is not null)
        {
            try
            {
                truth = GroundTruth.ReadCsv(labels, model.Manifest.Output.OkClass);
            }
            catch (Exception e) when (e is FormatException or IOException)
            {
                error.WriteLine($"--labels: {e.Message}");
                model.Dispose();
                return ExitCodes.InvalidInput;
            }
        }

        // Without labels nobody can answer for a human: the model decides every part.
        var automationMode = truth is null || mode == "live" ? AutomationMode.Live : AutomationMode.Shadow;
        var classNames = model.Manifest.Output.ClassNames;
        var okIndex = model.Manifest.Output.OkIndex;
        var expected = frameFolder is not null ? Directory.GetFiles(frameFolder).Count(IsImage) : truth?.Count ?? 0;
        var builder = new ReplayReportBuilder(new ReplayReportOptions
        {
            ClassNames = classNames,
            OkClass = okIndex,
            DefectThreshold = model.Manifest.Decision.DefectThreshold,
            ExpectedFrames = expected,
        });
        var identity = model.Identity;

        var time = TimeProvider.System;
        var capture = new CaptureOptions { CameraId = "replay", Source = sourceUri, EndOfStream = EndOfStreamAction.Stop };
        var roster = new InspectorRoster([("replay", "labels")]);
        using var scripted = new ScriptedInspector(new ScriptedInspectorOptions { Position = "replay", InspectorId = "labels", ErrorRate = 0, ResponseDelay = TimeSpan.Zero, ResponseJitter = TimeSpan.Zero }, "replay", roster, time);
        scripted.Start(cancellationToken);
        using var pool = new FramePool(16, 640 * 480 * 3);
        using var slots = new ModelSlots<IInferenceModel>();
        slots.SetActive(model);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var sink = new ReportSink(builder, truth, classNames) { Predictions = predictionsFile is null ? null : [] };
        var setup = new PipelineSetup
        {
            Station = new StationIdentityOptions { DeviceId = "replay", Site = "offline", Area = "offline", Line = "offline", Name = "replay", ConfigRevision = "replay" },
            Automation = new AutomationOptions { Mode = automationMode, VerdictTimeout = TimeSpan.FromSeconds(10) },
            Promotion = new PromotionOptions(),
            SamplesOptions = new SampleOptions { RandomFraction = 0, SaveDisagreements = false, SaveUncertain = false },
            Monitoring = new MonitoringOptions(),
            Capture = capture,
            Sources = new OpenCvFrameSourceFactory(),
            Pool = pool,
            Models = slots,
            LoadModel = folder => OnnxModel.Load(folder),
            Inspector = scripted,
            Outputs = new NoStationOutputs(),
            Sink = sink,
            EncodeJpeg = frame => CvJpeg.Encode(frame, 85),
            Time = time,
            BootEpochMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            GroundTruth = truth,
            ThumbnailMislabelled = true,
            MetricsInterval = TimeSpan.FromHours(1),
        };

        var started = time.GetUtcNow();
        await using var pipeline = new InspectionPipeline(setup, loggers.CreateLogger<InspectionPipeline>());
        await progress.RunAsync<int>(expected > 0 ? expected : null, async reporter =>
        {
            sink.Progress = reporter;
            await pipeline.RunAsync(cancellationToken);
            return 0;
        });
        var report = builder.Build(new ReplayRun(new Replay.ModelIdentity(identity.Name, identity.Version, identity.Sha256), source, automationMode.ToString().ToLowerInvariant()), started, time.GetUtcNow());
        Directory.CreateDirectory(reportFolder);
        var json = await ReportJsonWriter.WriteAsync(report, reportFolder, cancellationToken);
        var html = await ReportHtmlWriter.WriteAsync(report, reportFolder, cancellationToken);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Replayed {builder.Frames} frames with {identity}: {(truth is null ? "no labels" : $"accuracy {report.Evaluation?.Accuracy:P2}")}; {sink.AlertsRaised} alert(s) raised."));
        output.WriteLine($"Report: {html}");
        output.WriteLine($"        {json}");
        if (predictionsFile is not null)
        {
            await WritePredictionsAsync(predictionsFile, classNames, sink.Predictions!, cancellationToken);
            output.WriteLine($"        {Path.GetFullPath(predictionsFile)}");
        }
        return builder.Frames > 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

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

    private static string? FindLabels(string source)
    {
        var beside = Directory.Exists(source) ? Path.Combine(source, "labels.csv") : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, "labels.csv");
        return File.Exists(beside) ? beside : null;
    }

    private static bool IsImage(string path) => Path.GetExtension(path).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png" or ".bmp";

    /// <summary>Feeds the report builder from the pipeline's finished parts and alert transitions.</summary>
    private sealed class ReportSink(ReplayReportBuilder builder, GroundTruth? truth, IReadOnlyList<string> classNames) : IStationSink
    {
        private long _parts;

        public IReplayProgress? Progress { get; set; }

        /// <summary>When set (--predictions), every part's model output is kept here.</summary>
        public List<(long Seq, string? File, ModelOutputRecord? Output)>? Predictions { get; init; }

        public int AlertsRaised { get; private set; }

        public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
        {
            var record = part.Record;
            var seq = record.Frame.Seq;
            var predicted = record.ModelOutput?.Class is { } name ? IndexOf(name) : record.ModelOutput?.Verdict == Verdict.Fail ? 1 : 0;
            int? trueClass = part.TrueClass is { } label ? IndexOf(label) : null;
            builder.Observe(new FrameObservation
            {
                FrameIndex = seq - 1,
                File = truth?.ForSeq(seq).File,
                PredictedClass = predicted,
                DefectScore = (float)(record.ModelOutput?.Score ?? 0),
                TrueClass = trueClass,
                Brightness = (float)part.Metrics.Brightness,
                Contrast = (float)part.Metrics.Contrast,
                Sharpness = (float)part.Metrics.Sharpness,
                Preprocess = part.PreprocessTime,
                Inference = part.InferenceTime,
                EndToEnd = part.CaptureToDecision,
                Image = part.Thumbnail ?? ReadOnlyMemory<byte>.Empty,
            });
            Predictions?.Add((seq, truth?.ForSeq(seq).File, record.ModelOutput));
            Progress?.Report(++_parts);
            return ValueTask.CompletedTask;
        }

        public ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken)
        {
            if (transition.IsRepeat || transition.From == transition.To)
            {
                return ValueTask.CompletedTask;
            }

            if (transition.To == Core.Monitoring.AlertState.Alert)
            {
                AlertsRaised++;
                builder.Alert(transition.WindowEndSeq - 1, transition.Name, ReportAlertState.Raised, transition.Metric, transition.CurrentValue);
            }
            else if (transition.To == Core.Monitoring.AlertState.Ok)
            {
                builder.Alert(transition.WindowEndSeq - 1, transition.Name, ReportAlertState.Cleared, transition.Metric, transition.CurrentValue);
            }

            return ValueTask.CompletedTask;
        }

        private int IndexOf(string name)
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
