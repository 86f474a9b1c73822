namespace EdgeInspect.Worker.Replay;

/// <summary>One stage's latency report from its samples: exact percentiles and a histogram for the chart.</summary>
internal static class StageLatencies
{
    /// <summary>Beyond this many times p99, the maximum is an outlier that would squash the histogram's bulk into one bin.</summary>
    private const double OutlierFactor = 3;

    public static StageLatency Of(string stage, ReadOnlySpan<float> samplesMs, int bins)
    {
        if (samplesMs.IsEmpty)
        {
            return new StageLatency
            {
                Stage = stage, Count = 0, MeanMs = 0, P50Ms = 0, P95Ms = 0, P99Ms = 0, MaxMs = 0,
                HistogramTopMs = 0, LastBinIncludesOverflow = false, BinEdgesMs = [0], Counts = [],
            };
        }

        var sorted = samplesMs.ToArray();
        Array.Sort(sorted);
        double sum = 0;
        foreach (var v in sorted)
        {
            sum += v;
        }

        var p99 = Percentile(sorted, 0.99);
        var max = (double)sorted[^1];
        var overflow = max > p99 * OutlierFactor && p99 > 0;
        var top = overflow ? p99 * 1.5 : max;
        if (top <= 0)
        {
            top = 1;
        }

        // A stage that never takes less than 0.8 ms would otherwise crowd into the right quarter of the chart.
        var min = (double)sorted[0];
        var bottom = 0.0;
        if (min > top * 0.25)
        {
            var step = Math.Pow(10, Math.Floor(Math.Log10(top - min)));
            bottom = Math.Floor(min / step) * step;
        }

        var width = (top - bottom) / bins;
        var counts = new long[bins];
        foreach (var v in sorted)
        {
            counts[Math.Clamp((int)((v - bottom) / width), 0, bins - 1)]++;
        }

        return new StageLatency
        {
            Stage = stage,
            Count = sorted.Length,
            MeanMs = sum / sorted.Length,
            P50Ms = Percentile(sorted, 0.50),
            P95Ms = Percentile(sorted, 0.95),
            P99Ms = p99,
            MaxMs = max,
            HistogramTopMs = top,
            LastBinIncludesOverflow = overflow,
            BinEdgesMs = Enumerable.Range(0, bins + 1).Select(i => bottom + width * i).ToArray(),
            Counts = counts,
        };
    }

    /// <summary>Linear interpolation between closest ranks (numpy's default), over an ascending array.</summary>
    public static double Percentile(float[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }
}
