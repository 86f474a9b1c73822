namespace EdgeInspect.Core.Monitoring;

/// <summary>Distances between a reference distribution and a window's histogram over the same bins.</summary>
public static class DistributionDistance
{
    /// <summary>
    /// Jensen–Shannon distance (the square root of the divergence) with natural logarithms, as scipy's
    /// <c>jensenshannon</c> and the drift tools built on it compute it: 0 for identical distributions,
    /// √ln 2 ≈ 0.833 for disjoint ones.
    /// </summary>
    /// <param name="reference">Reference bin probabilities (sum to 1).</param>
    /// <param name="windowCounts">Counts per bin in the current window.</param>
    /// <param name="referenceCount">How many frames the reference histogram came from; when given (above 0), the
    /// divergence two samples of that size and the window's size would show by chance alone is subtracted first.</param>
    /// <remarks>
    /// Why the correction: between two finite samples of one distribution over k bins, the divergence is about
    /// (k−1)/8 · (1/n₁ + 1/n₂) nats (the χ² approximation), so a 150-frame reference against a 250-frame window reads
    /// about 0.1 with no drift at all, which is the threshold. With the expected chance part removed, a window from the
    /// reference reads near 0 and a real shift keeps almost all of its distance.
    /// </remarks>
    public static double JensenShannon(ReadOnlySpan<double> reference, ReadOnlySpan<int> windowCounts, long referenceCount = 0)
    {
        if (reference.Length != windowCounts.Length)
        {
            throw new ArgumentException($"{reference.Length} reference bins against {windowCounts.Length} window bins");
        }

        long total = 0;
        foreach (var c in windowCounts)
        {
            total += c;
        }

        if (total == 0)
        {
            return 0;
        }

        double divergence = 0;
        var occupiedBins = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            var p = reference[i];
            var q = windowCounts[i] / (double)total;
            var m = 0.5 * (p + q);
            if (p > 0)
            {
                occupiedBins++;
                divergence += 0.5 * p * Math.Log(p / m);
            }

            if (q > 0)
            {
                divergence += 0.5 * q * Math.Log(q / m);
            }
        }

        if (referenceCount > 0 && occupiedBins > 1)
        {
            divergence -= (occupiedBins - 1) / 8.0 * (1.0 / referenceCount + 1.0 / total);
        }

        return Math.Sqrt(Math.Max(0, divergence));
    }
}
