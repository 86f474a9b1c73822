using BenchmarkDotNet.Attributes;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Benchmarks.Monitoring;

/// <summary>
/// Per-frame cost of monitoring on the reference station's frames: the input metrics over the ROI, each detector's
/// update, and the whole <see cref="DriftMonitor"/>; with a managed crop + bilinear resize + normalise of the same ROI
/// to 224x224 as a stand-in for preprocessing (the real one is OpenCV's, benchmarked with inference).
/// </summary>
[Config(typeof(BenchConfig))]
public class MonitoringBenchmarks
{
    private const int FramesPerInvoke = 400;

    private readonly RegionOfInterest _roi = RegionOfInterest.ReferenceStation;
    private readonly float[] _tensor = new float[3 * 224 * 224];
    private Frame _frame = null!;
    private InputMetrics[] _metrics = null!;
    private DriftMonitor _monitor = null!;
    private WindowedDistributionDetector _distribution = null!;
    private PageHinkleyDetector _sequential = null!;
    private DdmDetector _concept = null!;
    private AlertStateMachine _machine = null!;
    private long _seq;

    [GlobalSetup]
    public void Setup()
    {
        var root = FindRepoRoot();
        var holdout = Directory.GetFiles(Path.Combine(root, "tests", "data", "phone-v1", "holdout", "frames"), "*.jpg").Order(StringComparer.Ordinal).ToArray();
        _frame = CvImage.Read(holdout[0]);
        _metrics = holdout.Select(f => InputMetricsCalculator.Compute(CvImage.Read(f), _roi)).ToArray();
        var baseline = DriftBaseline.Parse(File.ReadAllText(Path.Combine(root, "tests", "data", "phone-v1", "reference-baseline.json")));
        _monitor = new DriftMonitor("cam1", baseline, new MonitoringOptions());
        _distribution = new WindowedDistributionDetector(baseline.Inputs[InputMetric.Brightness], 400);
        var brightness = baseline.Inputs[InputMetric.Brightness];
        _sequential = new PageHinkleyDetector("brightness", brightness.Mean, brightness.Std, 0.5, 50);
        _concept = new DdmDetector();
        _machine = new AlertStateMachine("bench", new MonitoringOptions().PolicyFor(0.1));
    }

    [Benchmark(Description = "Input metrics, 240x400 ROI of a 640x480 frame")]
    public InputMetrics InputMetricsPerFrame() => InputMetricsCalculator.Compute(_frame, _roi);

    [Benchmark(Description = "Preprocessing stand-in: managed crop + bilinear resize to 224x224 + normalise")]
    public float ManagedPreprocessingPerFrame() => CropResizeNormalize(_frame, _roi, _tensor);

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "DriftMonitor.ObserveFrame (all 18 input detectors, 2 camera-fault shares)")]
    public void DriftMonitorPerFrame()
    {
        for (var i = 0; i < FramesPerInvoke; i++)
        {
            _seq++;
            _monitor.ObserveFrame(_metrics[_seq % _metrics.Length], _seq, DateTimeOffset.UnixEpoch.AddMilliseconds(_seq * 100));
        }
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "JS window: add + distance")]
    public double DistributionDetectorPerFrame()
    {
        double d = 0;
        for (var i = 0; i < FramesPerInvoke; i++)
        {
            _distribution.Add(_metrics[i % _metrics.Length].Brightness);
            d += _distribution.Distance();
        }

        return d;
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "Page-Hinkley: add + classify")]
    public DriftKind SequentialDetectorPerFrame()
    {
        var kind = DriftKind.Unclassified;
        for (var i = 0; i < FramesPerInvoke; i++)
        {
            _sequential.Add(_metrics[i % _metrics.Length].Brightness);
            kind = _sequential.Classify();
        }

        return kind;
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "Concept drift (DDM-style): add")]
    public double ConceptDetectorPerVerdict()
    {
        for (var i = 0; i < FramesPerInvoke; i++)
        {
            _concept.Add(i % 29 == 0);
        }

        return _concept.Level;
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "Alert state machine: observe")]
    public int AlertStateMachinePerReading()
    {
        var steps = 0;
        for (var i = 0; i < FramesPerInvoke; i++)
        {
            steps += _machine.Observe(0.05 + (i % 7 * 0.01), DateTimeOffset.UnixEpoch.AddSeconds(i)) is null ? 0 : 1;
        }

        return steps;
    }

    private static float CropResizeNormalize(Frame frame, RegionOfInterest roi, float[] tensor)
    {
        const int Size = 224;
        ReadOnlySpan<float> mean = [0.485f, 0.456f, 0.406f];
        ReadOnlySpan<float> std = [0.229f, 0.224f, 0.225f];
        var pixels = frame.Buffer;
        var sx = (float)roi.Width / Size;
        var sy = (float)roi.Height / Size;
        for (var y = 0; y < Size; y++)
        {
            var fy = Math.Max(0, ((y + 0.5f) * sy) - 0.5f);
            var y0 = Math.Min((int)fy, roi.Height - 2);
            var wy = fy - y0;
            for (var x = 0; x < Size; x++)
            {
                var fx = Math.Max(0, ((x + 0.5f) * sx) - 0.5f);
                var x0 = Math.Min((int)fx, roi.Width - 2);
                var wx = fx - x0;
                var top = ((roi.Y + y0) * frame.Stride) + ((roi.X + x0) * 3);
                var bottom = top + frame.Stride;
                for (var c = 0; c < 3; c++)
                {
                    var v = ((1 - wy) * (((1 - wx) * pixels[top + c]) + (wx * pixels[top + 3 + c])))
                        + (wy * (((1 - wx) * pixels[bottom + c]) + (wx * pixels[bottom + 3 + c])));
                    var rgb = 2 - c;
                    tensor[(rgb * Size * Size) + (y * Size) + x] = ((v / 255f) - mean[rgb]) / std[rgb];
                }
            }
        }

        return tensor[0];
    }

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
