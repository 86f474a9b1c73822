using BenchmarkDotNet.Attributes;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Benchmarks.Monitoring;

/// <summary>
/// The incident engine's cost per frame, beside the input metrics' cost per frame (it must be below it). The stream
/// is 3,000 frames of the reference station with a lighting change in the middle (holdout frames, then 600 frames at
/// 55% light, then full light again): the drift monitor's transitions over it and its evidence at each were recorded
/// once, and each invocation replays them into a fresh engine, calling <see cref="IncidentEngine.Tick"/> on every
/// frame as the pipeline would. A second benchmark adds the monitor itself and the evidence it takes per transition.
/// </summary>
[Config(typeof(BenchConfig))]
public class IncidentBenchmarks
{
    private const int Frames = 3000;
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 6, 0, 0, TimeSpan.Zero);

    private readonly RegionOfInterest _roi = RegionOfInterest.ReferenceStation;
    private readonly List<IncidentEvent> _events = [];
    private Frame _frame = null!;
    private InputMetrics[] _stream = null!;
    private (AlertTransition Transition, DriftEvidence Evidence)[][] _byFrame = null!;
    private DriftBaseline _baseline = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = FindRepoRoot();
        var files = Directory.GetFiles(Path.Combine(root, "tests", "data", "phone-v1", "holdout", "frames"), "*.jpg").Order(StringComparer.Ordinal).ToArray();
        _frame = CvImage.Read(files[0]);
        var normal = new List<InputMetrics>();
        var dim = new List<InputMetrics>();
        var scaled = Frame.CreateUnpooled(640, 480);
        foreach (var file in files)
        {
            var frame = CvImage.Read(file);
            normal.Add(InputMetricsCalculator.Compute(frame, _roi));
            scaled.SetGeometry(frame.Width, frame.Height, frame.Stride);
            for (var i = 0; i < frame.Pixels.Length; i++)
            {
                scaled.Pixels[i] = (byte)Math.Round(frame.Pixels[i] * 0.55);
            }

            dim.Add(InputMetricsCalculator.Compute(scaled, _roi));
        }

        var random = new Random(7);
        _stream = Enumerable.Range(0, Frames)
            .Select(i => (i is >= 1000 and < 1600 ? dim : normal)[random.Next(normal.Count)])
            .ToArray();
        _baseline = DriftBaseline.Parse(File.ReadAllText(Path.Combine(root, "tests", "data", "phone-v1", "reference-baseline.json")));

        // Record what the monitor says over the stream, frame by frame.
        var monitor = new DriftMonitor("cam1", _baseline, new MonitoringOptions());
        var transitions = new List<AlertTransition>();
        _byFrame = new (AlertTransition, DriftEvidence)[Frames][];
        for (var i = 0; i < Frames; i++)
        {
            monitor.ObserveFrame(_stream[i], i + 1, At(i));
            transitions.Clear();
            monitor.DrainTransitions(transitions);
            var evidence = transitions.Count > 0 ? monitor.GetEvidence() : null;
            _byFrame[i] = transitions.Select(t => (t, evidence!)).ToArray();
        }

        var check = EnginePerFrame();
        if (check != 2)
        {
            throw new InvalidOperationException($"the lighting stream gave {check} incident events at its end; expected raised … cleared");
        }
    }

    [Benchmark(Description = "Input metrics, 240x400 ROI (for comparison)")]
    public InputMetrics InputMetricsPerFrame() => InputMetricsCalculator.Compute(_frame, _roi);

    [Benchmark(OperationsPerInvoke = Frames, Description = "Incident engine per frame: recorded transitions + Tick, 3,000 frames with one lighting incident")]
    public int EnginePerFrame()
    {
        var engine = new IncidentEngine(new IncidentOptions());
        _events.Clear();
        for (var i = 0; i < Frames; i++)
        {
            foreach (var (transition, evidence) in _byFrame[i])
            {
                engine.Observe(transition, evidence);
            }

            engine.Tick(At(i));
        }

        engine.DrainEvents(_events);
        return _events.Count(e => e.Kind != IncidentEventKind.Updated);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "DriftMonitor + evidence per transition + incident engine, per frame")]
    public int MonitorAndIncidentsPerFrame()
    {
        var monitor = new DriftMonitor("cam1", _baseline, new MonitoringOptions());
        var engine = new IncidentEngine(new IncidentOptions());
        var transitions = new List<AlertTransition>();
        _events.Clear();
        for (var i = 0; i < Frames; i++)
        {
            monitor.ObserveFrame(_stream[i], i + 1, At(i));
            if (monitor.DrainTransitions(transitions) > 0)
            {
                var evidence = monitor.GetEvidence();
                foreach (var t in transitions)
                {
                    engine.Observe(t, evidence);
                }

                transitions.Clear();
            }

            engine.Tick(At(i));
        }

        engine.DrainEvents(_events);
        return _events.Count;
    }

    private static DateTimeOffset At(int frame) => Start.AddMilliseconds(frame * 100.0);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeInspect.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EdgeInspect.sln not found");
    }
}
