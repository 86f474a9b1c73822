using System.Text.Json.Nodes;

namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// The reference distribution of one metric: summary moments and a histogram whose bins hold roughly equal shares
/// of the reference frames (quantile bins, the end bins open to ±∞).
/// </summary>
/// <remarks>
/// Equal-mass bins keep the window's sampling noise the same in every bin, so the Jensen–Shannon distance of a
/// window drawn from the reference stays low with few frames; open end bins mean a value beyond anything the
/// reference saw still lands in a bin, and a shift moves the mass into one end bin, which the distance sees at once.
/// </remarks>
public sealed class MetricBaseline
{
    public MetricBaseline(string name, long count, double mean, double std, double min, double max, double resolution, double[] edges, double[] probabilities)
    {
        if (probabilities.Length != edges.Length + 1)
        {
            throw new ArgumentException($"{name}: {edges.Length} edges need {edges.Length + 1} bin probabilities, not {probabilities.Length}");
        }

        for (var i = 1; i < edges.Length; i++)
        {
            if (!(edges[i] > edges[i - 1]))
            {
                throw new ArgumentException($"{name}: bin edges must increase strictly");
            }
        }

        Name = name;
        Count = count;
        Mean = mean;
        Std = std;
        Min = min;
        Max = max;
        Resolution = resolution;
        Edges = edges;
        Probabilities = probabilities;
    }

    public string Name { get; }

    public long Count { get; }

    public double Mean { get; }

    public double Std { get; }

    public double Min { get; }

    public double Max { get; }

    /// <summary>The narrowest bin worth having: smaller differences in this metric mean nothing (noise, JPEG).</summary>
    public double Resolution { get; }

    /// <summary>Inner bin edges, increasing. Bin i holds values in (Edges[i-1], Edges[i]]; the first and last are open.</summary>
    public double[] Edges { get; }

    public double[] Probabilities { get; }

    public int BinCount => Probabilities.Length;

    /// <summary>The bin of a value; NaN goes to the first bin.</summary>
    public int BinOf(double value)
    {
        // A handful of edges: a linear scan beats a binary search and does not branch unpredictably for long.
        var edges = Edges;
        var bin = 0;
        while (bin < edges.Length && value > edges[bin])
        {
            bin++;
        }

        return bin;
    }

    /// <summary>Builds quantile bins from reference values (sorted in place).</summary>
    /// <param name="name">The metric's name.</param>
    /// <param name="values">The reference frames' values.</param>
    /// <param name="bins">How many equal-mass bins to aim for.</param>
    /// <param name="resolution">Bins narrower than this are merged: a metric that is nearly constant in the reference
    /// (no clipping at all, say) must not have bins split by differences of a few pixels, which any window would
    /// "drift" across. If that leaves a single bin, an empty bin opens one resolution above the reference's maximum,
    /// so a rise is still seen.</param>
    public static MetricBaseline FromValues(string name, double[] values, int bins, double resolution = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(resolution);
        if (values.Length == 0)
        {
            throw new ArgumentException($"{name}: no reference values", nameof(values));
        }

        Array.Sort(values);
        double mean = 0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        double squares = 0;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        var std = values.Length > 1 ? Math.Sqrt(squares / (values.Length - 1)) : 0;

        var edges = new List<double>(bins);
        for (var i = 1; i < bins; i++)
        {
            // The edge is the midpoint between neighbouring order statistics, so no reference value sits on an edge.
            var position = (double)i * values.Length / bins;
            var lo = values[Math.Clamp((int)Math.Ceiling(position) - 1, 0, values.Length - 1)];
            var hi = values[Math.Clamp((int)Math.Ceiling(position), 0, values.Length - 1)];
            var edge = 0.5 * (lo + hi);
            var previous = edges.Count == 0 ? values[0] : edges[^1];
            if (edge < values[^1] && edge - previous >= resolution && edge > previous)
            {
                edges.Add(edge);
            }
        }

        if (edges.Count == 0)
        {
            edges.Add(values[^1] + Math.Max(resolution, 1e-9));
        }

        var counts = new double[edges.Count + 1];
        var baseline = new MetricBaseline(name, values.Length, mean, std, values[0], values[^1], resolution, edges.ToArray(), counts);
        foreach (var v in values)
        {
            counts[baseline.BinOf(v)]++;
        }

        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] /= values.Length;
        }

        return baseline;
    }

    public JsonObject ToJson() => new()
    {
        ["count"] = Count,
        ["mean"] = Mean,
        ["std"] = Std,
        ["min"] = Min,
        ["max"] = Max,
        ["resolution"] = Resolution,
        ["edges"] = new JsonArray(Edges.Select(e => (JsonNode)e).ToArray()),
        ["probabilities"] = new JsonArray(Probabilities.Select(p => (JsonNode)p).ToArray()),
    };

    public static MetricBaseline FromJson(string name, JsonObject json)
    {
        double Number(string property) =>
            json[property]?.GetValue<double>() ?? throw new FormatException($"baseline metric '{name}' has no '{property}'");
        double[] Numbers(string property) =>
            (json[property] as JsonArray ?? throw new FormatException($"baseline metric '{name}' has no '{property}' array"))
            .Select(n => n?.GetValue<double>() ?? throw new FormatException($"baseline metric '{name}': null in '{property}'")).ToArray();

        return new MetricBaseline(name, (long)Number("count"), Number("mean"), Number("std"), Number("min"), Number("max"), json["resolution"]?.GetValue<double>() ?? 0, Numbers("edges"), Numbers("probabilities"));
    }
}
