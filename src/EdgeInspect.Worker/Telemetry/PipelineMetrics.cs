using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Worker.Telemetry;

/// <summary>
/// The service's metrics: System.Diagnostics.Metrics instruments under the meter <see cref="MeterName"/>, with
/// OpenTelemetry-style names and UCUM units (so an OTel exporter or dotnet-counters can read them), and the same
/// figures gathered into a <see cref="MetricsSnapshot"/> that the pipeline publishes periodically on `metrics`.
/// </summary>
/// <remarks>
/// Every Record* method is thread-safe and allocation-free once a stage, camera or cause has been seen.
/// <see cref="TakeSnapshot"/> is for one publisher at a time; it closes the interval and starts the next.
/// </remarks>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "EdgeInspect";

    private readonly Meter _meter;
    private readonly TimeProvider _time;
    private readonly ProcessStatsSampler _sampler;
    private readonly Histogram<double> _stageDuration;
    private readonly Counter<long> _frames;
    private readonly Counter<long> _inferences;
    private readonly Histogram<double> _score;
    private readonly Counter<long> _alerts;
    private readonly Histogram<double>[] _inputs;
    private readonly ConcurrentDictionary<string, LatencyTracker> _latency = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _framesByCamera = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _dropsByCause = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _dropTotals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<long>> _frameDrops = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InputAccumulator> _inputsByCamera = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<long>> _queues = new(StringComparer.Ordinal);
    private Func<long>? _outboxDepth;
    private ProcessStats _lastProcess;
    private long _lastTimestamp;

    public PipelineMetrics(TimeProvider time, IReadOnlyList<string> classNames, ProcessStatsSampler? sampler = null, IMeterFactory? meterFactory = null)
    {
        _time = time;
        _sampler = sampler ?? new ProcessStatsSampler();
        Output = new OutputMetricsAccumulator(classNames);
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);

        // The SDK's default buckets (0 to 10,000) suit milliseconds; these stages take 0.5 ms to a few seconds.
        _stageDuration = _meter.CreateHistogram("edgeinspect.stage.duration", "s", "Time a frame spends in one pipeline stage.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StageBuckets });
        _frames = _meter.CreateCounter<long>("edgeinspect.frames", "{frame}", "Frames that entered the pipeline.");
        _meter.CreateObservableCounter("edgeinspect.frames.dropped", ObserveDrops, "{frame}", "Frames that never became a decided part, by cause.");
        _inferences = _meter.CreateCounter<long>("edgeinspect.inferences", "{inference}", "Inferences, by result: ok, failed or empty.");
        _score = _meter.CreateHistogram<double>("edgeinspect.model.score", "1", "The model's defect score.");
        _alerts = _meter.CreateCounter<long>("edgeinspect.alert.transitions", "{transition}", "Alert transitions published.");
        _inputs = InputMetrics.All
            .Select(m => _meter.CreateHistogram<double>($"edgeinspect.input.{m.Name()}", InputUnit(m), $"Input metric {m.Name()} of each frame's ROI."))
            .ToArray();

        _meter.CreateObservableGauge("edgeinspect.queue.depth", ObserveQueues, "{item}", "Items waiting in each stage's input queue.");
        _meter.CreateObservableGauge("edgeinspect.outbox.records", () => _outboxDepth?.Invoke() ?? 0, "{record}", "Records in the durable outbox not yet acknowledged (its depth).");
        _meter.CreateObservableCounter("process.cpu.time", () => Environment.CpuUsage.TotalTime.TotalSeconds, "s", "CPU time used by the process.");
        _meter.CreateObservableUpDownCounter("process.memory.usage", () => _sampler.Sample().ResidentBytes ?? Environment.WorkingSet, "By", "Resident set size (VmRSS).");
        _meter.CreateObservableCounter("dotnet.gc.collections", ObserveCollections, "{collection}", "Garbage collections, by generation.");
        _meter.CreateObservableCounter("dotnet.gc.heap.total_allocated", () => GC.GetTotalAllocatedBytes(), "By", "Bytes allocated on the managed heap.");
        _meter.CreateObservableGauge("hw.temperature", ObserveTemperature, "Cel", "Hottest thermal zone of the device.");

        _lastTimestamp = time.GetTimestamp();
        _lastProcess = _sampler.Sample();
    }

    /// <summary>Upper bounds of the stage latency histogram's buckets, in seconds.</summary>
    public static IReadOnlyList<double> StageBuckets { get; } = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5, 10];

    public OutputMetricsAccumulator Output { get; }

    public void RecordStage(string stage, TimeSpan duration)
    {
        _stageDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("stage", stage));
        _latency.GetOrAdd(stage, static _ => new LatencyTracker()).Record(duration);
    }

    public void RecordFrame(string camera)
    {
        _frames.Add(1, new KeyValuePair<string, object?>("camera", camera));
        Interlocked.Increment(ref _framesByCamera.GetOrAdd(camera, static _ => new StrongBox()).Value);
    }

    /// <param name="cause">e.g. "queue_full", "stale", "decode_error".</param>
    public void RecordDrop(string cause)
    {
        Interlocked.Increment(ref _dropsByCause.GetOrAdd(cause, static _ => new StrongBox()).Value);
        Interlocked.Increment(ref _dropTotals.GetOrAdd(cause, static _ => new StrongBox()).Value);
    }

    public void RecordInput(string camera, in InputMetrics metrics)
    {
        var tag = new KeyValuePair<string, object?>("camera", camera);
        for (var i = 0; i < _inputs.Length; i++)
        {
            _inputs[i].Record(metrics[(InputMetric)i], tag);
        }

        _inputsByCamera.GetOrAdd(camera, static _ => new InputAccumulator()).Add(metrics);
    }

    public void RecordPrediction(int? predictedClass, double defectScore, bool isDefect, bool isUncertain)
    {
        _inferences.Add(1, new KeyValuePair<string, object?>("result", "ok"));
        _score.Record(defectScore);
        Output.RecordPrediction(predictedClass, defectScore, isDefect, isUncertain);
    }

    public void RecordInferenceFailure(InferenceFailure failure)
    {
        _inferences.Add(1, new KeyValuePair<string, object?>("result", failure == InferenceFailure.Failed ? "failed" : "empty"));
        Output.RecordFailure(failure);
    }

    public void RecordAlert(AlertTransition transition) =>
        _alerts.Add(1, new KeyValuePair<string, object?>("alert", transition.Name), new KeyValuePair<string, object?>("state", transition.To.ToString().ToLowerInvariant()));

    /// <summary>Registers a queue whose depth is read at each observation and snapshot.</summary>
    public void RegisterQueue(string name, Func<long> depth) => _queues[name] = depth;

    public void RegisterOutbox(Func<long> depth) => _outboxDepth = depth;

    /// <summary>A stage's own count of frames it lost, read by <c>edgeinspect.frames.dropped</c> under <paramref name="cause"/>.</summary>
    public void RegisterFrameDrops(string cause, Func<long> total) => _frameDrops[cause] = total;

    /// <summary>Closes the interval since the previous snapshot and returns its figures.</summary>
    public MetricsSnapshot TakeSnapshot()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastTimestamp, now);
        _lastTimestamp = now;
        var process = _sampler.Sample();
        var previous = _lastProcess;
        _lastProcess = process;
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);

        return new MetricsSnapshot(
            _time.GetUtcNow(),
            elapsed,
            _latency.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value.Snapshot(reset: true)),
            _framesByCamera.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => Interlocked.Exchange(ref kv.Value.Value, 0) / seconds),
            _queues.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value()),
            _dropsByCause.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => Interlocked.Exchange(ref kv.Value.Value, 0)),
            _outboxDepth?.Invoke(),
            (process.CpuTime - previous.CpuTime).TotalSeconds / seconds / Environment.ProcessorCount,
            process,
            process.AllocatedBytes - previous.AllocatedBytes,
            _inputsByCamera.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value.TakeMeans()),
            Output.Snapshot(reset: true));
    }

    public void Dispose() => _meter.Dispose();

    /// <summary>UCUM units: grey levels for the means and contrast, their square for the Laplacian variance, and "1" for fractions and ratios (clipped shares, chroma R/G and B/G).</summary>
    internal static string InputUnit(InputMetric metric) => metric switch
    {
        InputMetric.Sharpness => "{grey_level2}",
        InputMetric.DarkClipped or InputMetric.BrightClipped => "1",
        _ when metric.IsChroma() => "1",
        _ => "{grey_level}",
    };

    private IEnumerable<Measurement<long>> ObserveDrops()
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (cause, total) in _frameDrops)
        {
            totals[cause] = total();
        }

        foreach (var (cause, box) in _dropTotals)
        {
            totals[cause] = totals.GetValueOrDefault(cause) + Interlocked.Read(ref box.Value);
        }

        return totals.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("cause", kv.Key)));
    }

    private IEnumerable<Measurement<long>> ObserveQueues() =>
        _queues.Select(kv => new Measurement<long>(kv.Value(), new KeyValuePair<string, object?>("queue", kv.Key)));

    private static IEnumerable<Measurement<long>> ObserveCollections() =>
        Enumerable.Range(0, 3).Select(g => new Measurement<long>(GC.CollectionCount(g), new KeyValuePair<string, object?>("gc.heap.generation", $"gen{g}")));

    private IEnumerable<Measurement<double>> ObserveTemperature() =>
        _sampler.HottestThermalZone() is { } celsius ? [new Measurement<double>(celsius)] : [];

    private sealed class StrongBox
    {
        public long Value;
    }

    /// <summary>Sums of each input metric over an interval.</summary>
    private sealed class InputAccumulator
    {
        private readonly Lock _lock = new();
        private readonly double[] _sums = new double[InputMetrics.Count];
        private long _count;

        public void Add(in InputMetrics metrics)
        {
            lock (_lock)
            {
                for (var i = 0; i < _sums.Length; i++)
                {
                    _sums[i] += metrics[(InputMetric)i];
                }

                _count++;
            }
        }

        public IReadOnlyDictionary<string, double> TakeMeans()
        {
            lock (_lock)
            {
                var means = InputMetrics.All.ToDictionary(m => m.Name(), m => _count == 0 ? double.NaN : _sums[(int)m] / _count);
                Array.Clear(_sums);
                _count = 0;
                return means;
            }
        }
    }
}
