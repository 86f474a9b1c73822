using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;
using EdgeInspect.Worker.Pipeline;
using EdgeInspect.Worker.Replay;

namespace EdgeInspect.Worker.Tests.Monitoring.Scenarios;

/// <summary>
/// Runs a scenario as `edgeinspect replay` does, through the whole station: the frames are JPEG files in a folder
/// (the sets' own files, or the changed frames rendered and encoded once into <paramref name="jpegCache"/>), read by
/// the capture loop with OpenCV, decoded, measured, scored by the reference model in ONNX Runtime, decided in shadow
/// mode by the scripted inspector answering from a labels.csv that carries the scenario's verdicts, and monitored by
/// the quality and incident stages. The incidents are the pipeline's own events, read by an observer of the same run;
/// report.json's <c>incidents</c> must say the same, or the run fails.
/// </summary>
/// <remarks>
/// Frame times are the capture loop's wall clock, as in any replay: the replay runs faster than the line's 10 frames a
/// second, so the incident engine's time windows (grouping, update interval) span more frames here than on the line.
/// Detection delays are counted in frames, which do not depend on it.
/// </remarks>
public sealed class PipelineScenarioDriver(ScenarioFrames bank, string jpegCache) : IScenarioDriver
{
    public ScenarioOutcome Run(Scenario scenario)
    {
        using var folder = new TempDirectory("scenario-replay");
        var frames = Path.Combine(folder.Path, "frames");
        Directory.CreateDirectory(frames);
        var labels = new StringBuilder("file,class_name\n");
        var pit = bank.ClassNames.Select((name, index) => (name, index)).First(c => c.index != bank.OkIndex).name;
        for (var i = 0; i < scenario.Frames.Count; i++)
        {
            var frame = scenario.Frames[i];
            var name = $"{i:D6}.jpg";
            File.CreateSymbolicLink(Path.Combine(frames, name), bank.JpegOf(frame.Key, jpegCache));

            // The scripted inspector fails a part whose label is a defect class: the scenario's verdict, wrong or not.
            var truth = bank.ClassNames[bank.LabelOf(frame.Key)];
            var label = frame.Human == Verdict.Pass ? bank.ClassNames[bank.OkIndex] : truth != bank.ClassNames[bank.OkIndex] ? truth : pit;
            labels.Append(CultureInfo.InvariantCulture, $"frames/{name},{label}\n");
        }

        File.WriteAllText(Path.Combine(folder.Path, "labels.csv"), labels.ToString());
        var report = Path.Combine(folder.Path, "report");
        var observer = new Observer();
        var log = new StringWriter();
        var exit = ReplayCommand.RunAsync(folder.Path, Path.Combine(folder.Path, "labels.csv"), bank.PackagePath, "shadow", report,
            new PlainTextReplayProgressDisplay(TextWriter.Null, TimeProvider.System), log, log, CancellationToken.None, observer: observer).GetAwaiter().GetResult();
        if (exit != ExitCodes.Ok || observer.Frames != scenario.Frames.Count)
        {
            throw new InvalidOperationException($"{scenario.Name}: replay exited {exit} after {observer.Frames} of {scenario.Frames.Count} frames: {log}");
        }

        // The report lists the same incidents, each with its last diagnosis and the frame it was raised at.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, ReportJsonWriter.FileName)));
        var reported = json.RootElement.GetProperty("incidents").EnumerateArray()
            .Select(i => (Id: i.GetProperty("id").GetString()!, Class: i.GetProperty("diagnosis").GetProperty("class").GetString()!, Raised: i.GetProperty("raisedFrame").GetInt64()))
            .ToList();
        var seen = observer.Events.GroupBy(e => e.Incident.Id)
            .Select(g => (Id: g.Key, Class: g.Last().Incident.Diagnosis.Class.Name(), Raised: g.First().Incident.RaisedSeq - 1))
            .OrderBy(i => i.Raised)
            .ToList();
        if (!reported.SequenceEqual(seen))
        {
            throw new InvalidOperationException($"{scenario.Name}: report.json lists [{string.Join("; ", reported)}] but the pipeline published [{string.Join("; ", seen)}]");
        }

        return new ScenarioOutcome(observer.Events.ToArray(), observer.AlertTransitions, observer.AlertsRaised, observer.Frames);
    }

    /// <summary>The run as the sinks see it; called from the output stage's one writer task.</summary>
    private sealed class Observer : IStationSink
    {
        public List<IncidentEvent> Events { get; } = [];

        public int AlertTransitions { get; private set; }

        public int AlertsRaised { get; private set; }

        public long Frames { get; private set; }

        public ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
        {
            Frames++;
            return ValueTask.CompletedTask;
        }

        public ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken)
        {
            AlertTransitions++;
            AlertsRaised += transition is { To: AlertState.Alert, IsRepeat: false } && transition.From != AlertState.Alert ? 1 : 0;
            return ValueTask.CompletedTask;
        }

        public ValueTask CaptureAlertAsync(CaptureEvent alert, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask IncidentAsync(IncidentEvent incident, CancellationToken cancellationToken)
        {
            Events.Add(incident);
            return ValueTask.CompletedTask;
        }
    }
}
