using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// Reference statistics for drift detection, computed from training-like frames by <see cref="DriftBaselineBuilder"/>
/// (the `edgeinspect baseline` verb) and stored in the model package's manifest under <see cref="ManifestProperty"/>.
/// </summary>
public sealed class DriftBaseline
{
    public const string ManifestProperty = "baseline";

    public const string Schema = "edgeinspect.drift-baseline/1";

    public DriftBaseline(long frameCount, RegionOfInterest roi, IReadOnlyDictionary<InputMetric, MetricBaseline> inputs, MetricBaseline? score, double? defectRate)
        : this(frameCount, roi, inputs, score, defectRate, null)
    {
    }

    public DriftBaseline(long frameCount, RegionOfInterest roi, IReadOnlyDictionary<InputMetric, MetricBaseline> inputs, MetricBaseline? score, double? defectRate,
        IReadOnlyList<ClassShare>? classes)
    {
        if (classes is { Count: 1 })
        {
            throw new ArgumentException("a class mix needs at least two classes", nameof(classes));
        }

        FrameCount = frameCount;
        Roi = roi;
        Inputs = inputs;
        Score = score;
        DefectRate = defectRate;
        Classes = classes is { Count: > 0 } ? classes : null;
    }

    public long FrameCount { get; }

    /// <summary>The ROI the input metrics were computed in; live frames must use the same one.</summary>
    public RegionOfInterest Roi { get; }

    public IReadOnlyDictionary<InputMetric, MetricBaseline> Inputs { get; }

    /// <summary>The model's defect score over the reference frames; null until a score provider was given.</summary>
    public MetricBaseline? Score { get; }

    /// <summary>Fraction of reference frames the model called defective; null without a score provider.</summary>
    public double? DefectRate { get; }

    /// <summary>
    /// The share of each class among the model's predictions on the reference frames, in the model's class order;
    /// null when the baseline was built without predicted classes (older baselines, or a score provider only).
    /// </summary>
    public IReadOnlyList<ClassShare>? Classes { get; }

    public JsonObject ToJson()
    {
        var inputs = new JsonObject();
        foreach (var metric in InputMetrics.All)
        {
            if (Inputs.TryGetValue(metric, out var baseline))
            {
                inputs[metric.Name()] = baseline.ToJson();
            }
        }

        var json = new JsonObject
        {
            ["schema"] = Schema,
            ["frames"] = FrameCount,
            ["roi"] = new JsonObject { ["x"] = Roi.X, ["y"] = Roi.Y, ["w"] = Roi.Width, ["h"] = Roi.Height },
            ["inputs"] = inputs,
        };
        if (Score is not null)
        {
            json["score"] = Score.ToJson();
        }

        if (DefectRate is { } rate)
        {
            json["defect_rate"] = rate;
        }

        if (Classes is { } classes)
        {
            json["classes"] = new JsonArray(classes.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["share"] = c.Share }).ToArray());
        }

        return json;
    }

    /// <exception cref="FormatException">The JSON is not a drift baseline of this schema.</exception>
    public static DriftBaseline FromJson(JsonObject json)
    {
        var schema = json["schema"]?.GetValue<string>();
        if (schema != Schema)
        {
            throw new FormatException($"drift baseline schema is '{schema}', expected '{Schema}'");
        }

        var roi = json["roi"] as JsonObject ?? throw new FormatException("drift baseline has no 'roi'");
        int Int(string p) => roi[p]?.GetValue<int>() ?? throw new FormatException($"drift baseline roi has no '{p}'");

        var inputs = new Dictionary<InputMetric, MetricBaseline>();
        foreach (var (name, node) in json["inputs"] as JsonObject ?? throw new FormatException("drift baseline has no 'inputs'"))
        {
            if (!InputMetricNames.TryParse(name, out var metric))
            {
                // A newer builder may add metrics; they are ignored rather than refusing the package.
                continue;
            }

            inputs[metric] = MetricBaseline.FromJson(name, node as JsonObject ?? throw new FormatException($"baseline input '{name}' is not an object"));
        }

        var score = json["score"] is JsonObject scoreJson ? MetricBaseline.FromJson("score", scoreJson) : null;
        List<ClassShare>? classes = null;
        if (json["classes"] is { } classesNode)
        {
            classes = (classesNode as JsonArray ?? throw new FormatException("drift baseline 'classes' is not an array"))
                .Select(n => n is JsonObject c
                    ? new ClassShare(
                        c["name"]?.GetValue<string>() ?? throw new FormatException("a drift baseline class has no 'name'"),
                        c["share"]?.GetValue<double>() ?? throw new FormatException("a drift baseline class has no 'share'"))
                    : throw new FormatException("a drift baseline class is not an object"))
                .ToList();
            if (classes.Count == 1)
            {
                throw new FormatException("drift baseline 'classes' holds one class; a class mix needs at least two");
            }
        }

        return new DriftBaseline(
            json["frames"]?.GetValue<long>() ?? 0,
            new RegionOfInterest(Int("x"), Int("y"), Int("w"), Int("h")),
            inputs,
            score,
            json["defect_rate"]?.GetValue<double>(),
            classes);
    }

    public string ToJsonString() => ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public static DriftBaseline Parse(string json) =>
        FromJson(JsonNode.Parse(json) as JsonObject ?? throw new FormatException("a drift baseline must be a JSON object"));
}

/// <summary>Collects per-frame metrics (and, when a model is at hand, its scores) into a <see cref="DriftBaseline"/>.</summary>
public sealed class DriftBaselineBuilder
{
    /// <summary>
    /// Six equal-mass bins. With a 150-frame reference, ten bins left 5,000 holdout frames reading up to 0.12 even
    /// after the small-sample correction (the 150 holdout frames themselves differ a little from the 150 reference
    /// ones); six keep them at or under 0.1 (400-frame windows) and still read a 55% lighting change as 0.48 and defocus as 0.67.
    /// </summary>
    public const int DefaultBins = 6;

    /// <summary>Scores closer than this are one bin: a confident model piles most scores near 0 and 1.</summary>
    public const double ScoreResolution = 0.01;

    private readonly List<double>[] _inputs = Enumerable.Range(0, InputMetrics.Count).Select(_ => new List<double>()).ToArray();
    private readonly List<double> _scores = [];
    private readonly long[]? _classCounts;
    private readonly IReadOnlyList<string>? _classNames;
    private long _classified;
    private int _defects;

    public DriftBaselineBuilder(RegionOfInterest roi, int bins = DefaultBins)
        : this(roi, null, bins)
    {
    }

    /// <param name="roi">Where the input metrics are computed.</param>
    /// <param name="classNames">The model's class names, in output order, when predicted classes will be added (the
    /// baseline then holds the reference class mix that <see cref="ShareBandDetector"/> compares recent parts with).</param>
    /// <param name="bins">Equal-mass bins per metric.</param>
    public DriftBaselineBuilder(RegionOfInterest roi, IReadOnlyList<string>? classNames, int bins = DefaultBins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        if (classNames is { Count: < 2 })
        {
            throw new ArgumentException("a class mix needs at least two class names", nameof(classNames));
        }

        Roi = roi;
        Bins = bins;
        _classNames = classNames?.ToArray();
        _classCounts = classNames is null ? null : new long[classNames.Count];
    }

    public RegionOfInterest Roi { get; }

    public int Bins { get; }

    public int FrameCount => _inputs[0].Count;

    /// <param name="metrics">The frame's input metrics.</param>
    /// <param name="score">The model's defect score, if a model scored the frame.</param>
    /// <param name="defectThreshold">Score from which the frame counts as a defect.</param>
    /// <param name="classIndex">The model's predicted class, if the builder was given class names.</param>
    public void Add(in InputMetrics metrics, double? score = null, double defectThreshold = 0.5, int? classIndex = null)
    {
        foreach (var metric in InputMetrics.All)
        {
            _inputs[(int)metric].Add(metrics[metric]);
        }

        if (score is { } s)
        {
            _scores.Add(s);
            _defects += s >= defectThreshold ? 1 : 0;
        }

        if (classIndex is { } c && _classCounts is { } counts)
        {
            if ((uint)c >= (uint)counts.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(classIndex), c, $"the model has {counts.Length} classes");
            }

            counts[c]++;
            _classified++;
        }
    }

    public DriftBaseline Build()
    {
        if (FrameCount == 0)
        {
            throw new InvalidOperationException("a drift baseline needs at least one frame");
        }

        var inputs = InputMetrics.All.ToDictionary(m => m, m => MetricBaseline.FromValues(m.Name(), _inputs[(int)m].ToArray(), Bins, m.Resolution()));
        var score = _scores.Count > 0 ? MetricBaseline.FromValues("score", _scores.ToArray(), Bins, ScoreResolution) : null;
        double? defectRate = _scores.Count > 0 ? (double)_defects / _scores.Count : null;
        var classes = _classCounts is { } counts && _classified > 0
            ? counts.Select((n, i) => new ClassShare(_classNames![i], (double)n / _classified)).ToList()
            : null;
        return new DriftBaseline(FrameCount, Roi, inputs, score, defectRate, classes);
    }
}

/// <summary>One class's share of the model's predictions on the reference frames.</summary>
public readonly record struct ClassShare(string Name, double Share);
