using System.Text.Json.Nodes;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Worker.Tests.Monitoring.Scenarios;

/// <summary>
/// One picture a scenario shows: a frame of a repository set, optionally changed as a camera or the light would change
/// it (a gain, an offset, a little sensor noise, red and blue swapped). The key is all it takes to render it again,
/// so a later driver can write the same frames to files for the real replay.
/// </summary>
/// <param name="Set">holdout, dim or blur (tests/data/phone-v1).</param>
/// <param name="Index">The frame's position in the set's file order.</param>
/// <param name="Gain">Every channel times this (a change of light or exposure).</param>
/// <param name="Offset">Added to every channel after the gain (black level).</param>
/// <param name="Noise">Seed of ±1 noise on about one channel value in eight; 0 for none.</param>
/// <param name="SwapRedBlue">Red and blue exchanged (a product of another colour).</param>
public readonly record struct FrameKey(string Set, int Index, double Gain = 1, int Offset = 0, int Noise = 0, bool SwapRedBlue = false)
{
    public bool IsOriginal => Gain == 1 && Offset == 0 && Noise == 0 && !SwapRedBlue;

    public override string ToString() => IsOriginal ? $"{Set}/{Index}" : $"{Set}/{Index} x{Gain:0.###}{Offset:+0;-0;''}{(Noise != 0 ? " noise" : "")}{(SwapRedBlue ? " r<>b" : "")}";
}

/// <summary>What the real parts said about one rendered frame: its input metrics, capture's flags, and the model's output.</summary>
/// <param name="Metrics">From <see cref="InputMetricsCalculator"/> on the model contract's ROI.</param>
/// <param name="Flags">All-black / saturated, by capture's own <see cref="FrameFingerprint"/> at the default capture levels.</param>
/// <param name="ClassIndex">The reference model's top class (through <see cref="OnnxModel"/>).</param>
/// <param name="DefectScore">Its defect score.</param>
/// <param name="Decision">Its verdict.</param>
public readonly record struct FrameFacts(InputMetrics Metrics, FrameFlags Flags, int ClassIndex, double DefectScore, Verdict Decision);

/// <summary>
/// The repository's phone-v1 frames as scenarios need them: decoded with OpenCV, changed per <see cref="FrameKey"/>,
/// measured by the input metrics, capture's frame inspection and the real reference model, once per key. Scenarios
/// that only reorder frames or relabel them reuse the facts, so a 3,000-frame scenario runs in well under a second
/// once its frames are known.
/// </summary>
public sealed class ScenarioFrames : IDisposable
{
    public const string Collection = "incident scenarios";

    private static readonly CaptureOptions CaptureDefaults = new();

    private readonly Dictionary<FrameKey, FrameFacts> _facts = [];
    private readonly Dictionary<string, string[]> _files = [];
    private readonly Dictionary<string, int[]> _labels = [];
    private readonly OnnxModel _model;
    private readonly Frame _original = Frame.CreateUnpooled(640, 480);
    private readonly Frame _rendered = Frame.CreateUnpooled(640, 480);

    public ScenarioFrames()
    {
        PackagePath = Path.Combine(RepoPaths.Models, "reference");
        _model = OnnxModel.Load(PackagePath);
        var contract = _model.Manifest.Input.Roi;
        Roi = new RegionOfInterest(contract.X, contract.Y, contract.Width, contract.Height);
        ClassNames = _model.Manifest.Output.ClassNames;
        OkIndex = _model.Manifest.Output.OkIndex;
        var manifest = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(PackagePath, "model.json")))!;
        Baseline = DriftBaseline.FromJson((JsonObject)manifest[DriftBaseline.ManifestProperty]!);
        foreach (var set in new[] { "holdout", "dim", "blur" })
        {
            var folder = RepoPaths.PhoneSet(set);
            _files[set] = Directory.GetFiles(Path.Combine(folder, "frames"), "*.jpg").Order(StringComparer.Ordinal).ToArray();
            var byFile = File.ReadAllLines(Path.Combine(folder, "labels.csv")).Skip(1)
                .Select(line => line.Split(','))
                .ToDictionary(p => Path.GetFileName(p[0]), p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
            _labels[set] = _files[set].Select(f => byFile[Path.GetFileName(f)]).ToArray();
        }
    }

    /// <summary>The package whose model scores the frames and whose baseline the monitor uses (as the station would).</summary>
    public string PackagePath { get; }

    public DriftBaseline Baseline { get; }

    public RegionOfInterest Roi { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public int OkIndex { get; }

    public int Count(string set) => _files[set].Length;

    /// <summary>The JPEG a key's frame comes from.</summary>
    public string FileOf(FrameKey key) => _files[key.Set][key.Index];

    /// <summary>The true class of a key's frame (labels.csv).</summary>
    public int LabelOf(FrameKey key) => _labels[key.Set][key.Index];

    /// <summary>Indices of a set's frames with this true class.</summary>
    public IReadOnlyList<int> IndicesOfClass(string set, int classIndex) =>
        Enumerable.Range(0, _labels[set].Length).Where(i => _labels[set][i] == classIndex).ToArray();

    /// <summary>Measures every key not measured yet, decoding each source frame once.</summary>
    public void Prepare(IEnumerable<FrameKey> keys)
    {
        foreach (var group in keys.Where(k => !_facts.ContainsKey(k)).Distinct().GroupBy(k => (k.Set, k.Index)))
        {
            CvImage.Read(_files[group.Key.Set][group.Key.Index], _original);
            foreach (var key in group)
            {
                var frame = key.IsOriginal ? _original : Render(key);
                _facts[key] = Measure(frame);
            }
        }
    }

    /// <summary>
    /// The JPEG file a key's frame is read from by the real station: the set's own file when the key is unchanged,
    /// otherwise the rendered frame, encoded once (quality 95) into <paramref name="cacheFolder"/> and reused.
    /// </summary>
    public string JpegOf(FrameKey key, string cacheFolder)
    {
        if (key.IsOriginal)
        {
            return FileOf(key);
        }

        var path = Path.Combine(cacheFolder, $"{key.Set}-{key.Index}-{key.Gain.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}-{key.Offset}-{key.Noise}-{(key.SwapRedBlue ? 1 : 0)}.jpg");
        lock (_rendered)
        {
            if (!File.Exists(path))
            {
                CvImage.Read(FileOf(key), _original);
                CvJpeg.Save(Render(key), path, 95);
            }
        }

        return path;
    }

    /// <summary>The facts of a prepared key.</summary>
    public FrameFacts Facts(FrameKey key) =>
        _facts.TryGetValue(key, out var facts) ? facts : throw new InvalidOperationException($"frame {key} was not prepared");

    /// <summary>The model's output for a frame captured live (metrics are measured on the delivered frame itself).</summary>
    public (int ClassIndex, double DefectScore, Verdict Decision) Predict(Frame frame)
    {
        var p = _model.Predict(frame);
        return (p.ClassIndex, p.DefectScore, p.Decision);
    }

    public void Dispose() => _model.Dispose();

    private FrameFacts Measure(Frame frame)
    {
        var metrics = InputMetricsCalculator.Compute(frame, Roi);
        var look = FrameFingerprint.Of(frame, CaptureDefaults.DarkLevel, CaptureDefaults.SaturatedLevel);
        var flags = (look.DarkFraction >= CaptureDefaults.BlackFraction ? FrameFlags.AllBlack : FrameFlags.None)
            | (look.ClippedFraction >= CaptureDefaults.SaturatedFraction ? FrameFlags.Saturated : FrameFlags.None);
        var p = _model.Predict(frame);
        return new FrameFacts(metrics, flags, p.ClassIndex, p.DefectScore, p.Decision);
    }

    private Frame Render(FrameKey key)
    {
        _rendered.SetGeometry(_original.Width, _original.Height, _original.Stride);
        Span<byte> table = stackalloc byte[256];
        for (var v = 0; v < 256; v++)
        {
            table[v] = (byte)Math.Clamp(Math.Round((v * key.Gain) + key.Offset), 0, 255);
        }

        var from = _original.Pixels;
        var to = _rendered.Pixels;
        var state = (uint)key.Noise * 2654435761u | 1;
        for (var i = 0; i < from.Length; i += 3)
        {
            var (b, r) = key.SwapRedBlue ? (from[i + 2], from[i]) : (from[i], from[i + 2]);
            to[i] = table[b];
            to[i + 1] = table[from[i + 1]];
            to[i + 2] = table[r];
            if (key.Noise == 0)
            {
                continue;
            }

            for (var c = 0; c < 3; c++)
            {
                // xorshift32: a fixed pattern per seed, so a key renders the same pixels every time.
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                var roll = state & 15;
                if (roll < 2)
                {
                    to[i + c] = (byte)Math.Clamp(to[i + c] + (roll == 0 ? -1 : 1), 0, 255);
                }
            }
        }

        return _rendered;
    }
}

/// <summary>The frames and each scenario's result (per driver), run once per test run however many tests read it.</summary>
public sealed class ScenarioEvaluation : IDisposable
{
    private readonly Dictionary<string, ScenarioResult> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScenarioResult> _replayed = new(StringComparer.Ordinal);
    private readonly TempDirectory _jpegs = new("scenario-jpegs");

    public ScenarioFrames Frames { get; } = new();

    /// <summary>
    /// The scenario's result through the whole station as replay runs it (<see cref="PipelineScenarioDriver"/>),
    /// computed on first use; changed frames are rendered to JPEG once per test run.
    /// </summary>
    public ScenarioResult Replayed(Scenario scenario)
    {
        lock (_replayed)
        {
            if (!_replayed.TryGetValue(scenario.Name, out var result))
            {
                result = ScenarioResult.Of(scenario, new PipelineScenarioDriver(Frames, _jpegs.Path).Run(scenario));
                _replayed.Add(scenario.Name, result);
            }

            return result;
        }
    }

    /// <summary>The scenario's result through <see cref="MonitorScenarioDriver"/>, computed on first use.</summary>
    public ScenarioResult Result(Scenario scenario)
    {
        lock (_results)
        {
            if (!_results.TryGetValue(scenario.Name, out var result))
            {
                result = ScenarioResult.Of(scenario, new MonitorScenarioDriver(Frames).Run(scenario));
                _results.Add(scenario.Name, result);
            }

            return result;
        }
    }

    public void Dispose()
    {
        Frames.Dispose();
        _jpegs.Dispose();
    }
}

[CollectionDefinition(ScenarioFrames.Collection)]
public sealed class ScenarioEvaluationCollection : ICollectionFixture<ScenarioEvaluation>;
