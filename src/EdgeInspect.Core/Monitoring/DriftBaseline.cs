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
    {
        FrameCount = frameCount;
        Roi = roi;
        Inputs = inputs;
        Score = score;
        DefectRate = defectRate;
    }

    public long FrameCount { get; }

    /// <summary>The ROI the input metrics were computed in; live frames must use the same one.</summary>
    public RegionOfInterest Roi { get; }

    public IReadOnlyDictionary<InputMetric, MetricBaseline> Inputs { get; }

    /// <summary>The model's defect score over the reference frames; null until a score provider was given.</summary>
    public MetricBaseline? Score { get; }

    /// <summary>Fraction of reference frames the model called defective; null without a score provider.</summary>
    public double? DefectRate { get; }

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
        return new DriftBaseline(
            json["frames"]?.GetValue<long>() ?? 0,
            new RegionOfInterest(Int("x"), Int("y"), Int("w"), Int("h")),
            inputs,
            score,
            json["defect_rate"]?.GetValue<double>());
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
    private int _defects;

    public DriftBaselineBuilder(RegionOfInterest roi, int bins = DefaultBins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        Roi = roi;
        Bins = bins;
    }

    public RegionOfInterest Roi { get; }

    public int Bins { get; }

    public int FrameCount => _inputs[0].Count;

    public void Add(in InputMetrics metrics, double? score = null, double defectThreshold = 0.5)
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
        return new DriftBaseline(FrameCount, Roi, inputs, score, defectRate);
    }
}
