using System.Globalization;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Worker.Tests.Monitoring.Scenarios;

/// <summary>What a driver saw when it ran a scenario: every incident event and how many alert transitions lay under them.</summary>
public sealed record ScenarioOutcome(IReadOnlyList<IncidentEvent> Events, int AlertTransitions, int AlertsRaised, long Frames);

/// <summary>
/// Runs a scenario through the station's parts and reports the incidents: <see cref="MonitorScenarioDriver"/> feeds the
/// monitoring parts directly, <see cref="PipelineScenarioDriver"/> writes the frames as files and runs the whole
/// station as replay does; every test reads the same <see cref="ScenarioOutcome"/>.
/// </summary>
public interface IScenarioDriver
{
    ScenarioOutcome Run(Scenario scenario);
}

/// <summary>
/// Feeds each frame's facts (real decode, input metrics, capture's frame inspection, the reference model through ONNX
/// Runtime) to a <see cref="DriftMonitor"/> on the reference package's baseline, the inspector's verdict to its
/// agreement detector, and every transition with the monitor's evidence to an <see cref="IncidentEngine"/>, as the
/// pipeline does per part. A scenario marked <see cref="Scenario.ThroughCapture"/> is first written as a folder of
/// images and read by the real <see cref="CaptureLoop"/> with OpenCV's folder source, so a frozen camera is found by
/// capture's own frozen-stream detection. Frames are 100 ms apart (10 per second).
/// </summary>
public sealed class MonitorScenarioDriver(ScenarioFrames bank, MonitoringOptions? options = null) : IScenarioDriver
{
    public const string Camera = "cam1";

    public static readonly DateTimeOffset Start = new(2026, 11, 2, 6, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan FramePeriod = TimeSpan.FromMilliseconds(100);

    private readonly MonitoringOptions _options = options ?? new MonitoringOptions();

    public static DateTimeOffset TimeOf(long seq) => Start + (FramePeriod * seq);

    public ScenarioOutcome Run(Scenario scenario)
    {
        var run = new Feed(new DriftMonitor(Camera, bank.Baseline, _options), new IncidentEngine(_options.Incidents));
        if (scenario.ThroughCapture)
        {
            RunThroughCapture(scenario, run);
        }
        else
        {
            bank.Prepare(scenario.Frames.Select(f => f.Key));
            for (var i = 0; i < scenario.Frames.Count; i++)
            {
                var frame = scenario.Frames[i];
                var facts = bank.Facts(frame.Key);
                run.Step(i + 1, facts.Metrics, facts.Flags, facts.ClassIndex, facts.DefectScore, facts.Decision, frame.Human);
            }
        }

        return run.Outcome();
    }

    private void RunThroughCapture(Scenario scenario, Feed run)
    {
        if (scenario.Frames.Any(f => !f.Key.IsOriginal))
        {
            throw new ArgumentException($"{scenario.Name}: only unchanged frames can go through capture from files", nameof(scenario));
        }

        // The stream as files, one link per frame to its JPEG: capture decodes every one of them, repeats included.
        using var folder = new TempDirectory("scenario");
        for (var i = 0; i < scenario.Frames.Count; i++)
        {
            File.CreateSymbolicLink(Path.Combine(folder.Path, $"{i:D6}.jpg"), bank.FileOf(scenario.Frames[i].Key));
        }

        var capture = new CaptureOptions { CameraId = Camera, Source = $"folder:{folder.Path}", EndOfStream = EndOfStreamAction.Stop };
        using var pool = new FramePool(2, 640 * 480 * 3);
        var predictions = new Dictionary<FrameKey, (int ClassIndex, double DefectScore, Verdict Decision)>();
        using var loop = new CaptureLoop(capture, new OpenCvFrameSourceFactory(), pool, TimeProvider.System, frame =>
        {
            try
            {
                var index = (int)frame.Seq - 1;
                var scenarioFrame = scenario.Frames[index];
                var metrics = InputMetricsCalculator.Compute(frame, bank.Roi);

                // Identical pixels give identical outputs: the model runs once per distinct frame.
                if (!predictions.TryGetValue(scenarioFrame.Key, out var p))
                {
                    p = bank.Predict(frame);
                    predictions[scenarioFrame.Key] = p;
                }

                run.Step(frame.Seq, metrics, frame.Flags, p.ClassIndex, p.DefectScore, p.Decision, scenarioFrame.Human);
            }
            finally
            {
                frame.Release();
            }
        }, e => run.Capture(e with { UtcTime = TimeOf(e.LastSeq) }));
        loop.Run(CancellationToken.None);
        if (run.Frames != scenario.Frames.Count)
        {
            throw new InvalidOperationException($"{scenario.Name}: capture delivered {run.Frames} of {scenario.Frames.Count} frames");
        }
    }

    private sealed class Feed(DriftMonitor monitor, IncidentEngine engine)
    {
        private readonly List<AlertTransition> _transitions = [];
        private readonly List<IncidentEvent> _events = [];
        private int _transitionCount;
        private int _raised;

        public long Frames { get; private set; }

        public void Step(long seq, in InputMetrics metrics, FrameFlags flags, int classIndex, double score, Verdict decision, Verdict human)
        {
            Frames++;
            var at = TimeOf(seq);
            monitor.ObserveFrame(metrics, flags, seq, at);
            monitor.ObservePrediction(classIndex, score, seq, at);
            if (human is Verdict.Pass or Verdict.Fail)
            {
                monitor.ObserveAgreement(human != decision, seq, at);
            }

            if (monitor.DrainTransitions(_transitions) > 0)
            {
                var evidence = monitor.GetEvidence();
                foreach (var t in _transitions)
                {
                    _transitionCount++;
                    _raised += t is { To: AlertState.Alert, IsRepeat: false } && t.From != AlertState.Alert ? 1 : 0;
                    engine.Observe(t, evidence);
                }

                _transitions.Clear();
            }

            engine.Tick(at);
            engine.DrainEvents(_events);
        }

        public void Capture(CaptureEvent e)
        {
            engine.Observe(e, monitor.GetEvidence());
            engine.DrainEvents(_events);
        }

        public ScenarioOutcome Outcome() => new(_events.ToArray(), _transitionCount, _raised, Frames);
    }
}

/// <summary>One incident of a run, as raised and as it ended (or stood at the end of the stream).</summary>
public sealed record ScenarioIncident(string Id, long RaisedSeq, IncidentClass RaisedAs, Incident Final, int Messages);

/// <summary>A scenario's outcome read against its target: the row of the evaluation table.</summary>
public sealed record ScenarioResult(Scenario Scenario, ScenarioOutcome Outcome, IReadOnlyList<ScenarioIncident> Incidents)
{
    public static ScenarioResult Of(Scenario scenario, ScenarioOutcome outcome)
    {
        var incidents = outcome.Events
            .GroupBy(e => e.Incident.Id)
            .Select(g =>
            {
                var raised = g.First(e => e.Kind == IncidentEventKind.Raised);
                return new ScenarioIncident(g.Key, raised.Incident.RaisedSeq, raised.Incident.Diagnosis.Class, g.Last().Incident, g.Count());
            })
            .OrderBy(i => i.RaisedSeq)
            .ToList();
        return new ScenarioResult(scenario, outcome, incidents);
    }

    /// <summary>The incident the change raised: the first one raised at or after it.</summary>
    public ScenarioIncident? Detected => Scenario.ChangeSeq is { } change ? Incidents.FirstOrDefault(i => i.RaisedSeq >= change) : null;

    /// <summary>Frames from the change to the incident being raised.</summary>
    public long? DelayFrames => Detected is { } d ? d.RaisedSeq - Scenario.ChangeSeq!.Value : null;

    /// <summary>Incidents the change does not explain: all of them when nothing changes, otherwise every one but the detected one.</summary>
    public int FalseIncidents => Incidents.Count - (Detected is null ? 0 : 1);

    public bool MeetsTarget(out string why)
    {
        var target = Scenario.Target;
        var problems = new List<string>();
        if (Incidents.Count != target.Incidents)
        {
            problems.Add($"{Incidents.Count} incidents, expected {target.Incidents}");
        }

        if (target.Diagnosis is { } expected)
        {
            if (Detected is not { } detected)
            {
                problems.Add("no incident after the change");
            }
            else if (detected.Final.Diagnosis.Class != expected || detected.RaisedAs != expected)
            {
                problems.Add($"diagnosed {detected.RaisedAs.Name()} when raised and {detected.Final.Diagnosis.Class.Name()} at the end, expected {expected.Name()}");
            }
        }

        if (target.WithinFrames is { } within && DelayFrames is { } delay && delay > within)
        {
            problems.Add($"raised {delay} frames after the change, expected within {within}");
        }

        why = string.Join("; ", problems);
        return problems.Count == 0;
    }

    public static string TableHeader =>
        "| Scenario | Frames | Change at | Alert transitions | Incidents | Diagnosis (confidence) | Delay (frames) | False incidents | Target | Met |\n"
        + "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |";

    public string TableRow()
    {
        var d = Detected ?? Incidents.FirstOrDefault();
        var diagnosis = d is null ? "–" : d.RaisedAs == d.Final.Diagnosis.Class
            ? $"{d.Final.Diagnosis.Class.Name()} ({d.Final.Diagnosis.Confidence:0.00})"
            : $"{d.RaisedAs.Name()} → {d.Final.Diagnosis.Class.Name()} ({d.Final.Diagnosis.Confidence:0.00})";
        var t = Scenario.Target;
        var target = $"{t.Incidents} incident{(t.Incidents == 1 ? "" : "s")}{(t.Diagnosis is { } c ? $", {c.Name()}" : "")}{(t.WithinFrames is { } w ? $", ≤ {w} frames" : "")}";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {Scenario.Name} | {Outcome.Frames} | {(Scenario.ChangeSeq is { } s ? s.ToString(CultureInfo.InvariantCulture) : "–")} | {Outcome.AlertTransitions} | {Incidents.Count} | {diagnosis} | {(DelayFrames is { } delay ? delay.ToString(CultureInfo.InvariantCulture) : "–")} | {FalseIncidents} | {target} | {(MeetsTarget(out _) ? "yes" : "no")} |");
    }
}
