namespace EdgeInspect.Worker.Telemetry;

/// <summary>
/// Latency percentiles from a fixed log-spaced histogram: 8 buckets per doubling from 1 µs to about 70 s, so a
/// percentile is off by at most 9% of its value. Recording is one Interlocked increment, allocation-free and safe from
/// any thread; <see cref="Snapshot"/> reads and (optionally) clears the interval.
/// </summary>
public sealed class LatencyTracker
{
    private const int BucketsPerDoubling = 8;
    private const double MinSeconds = 1e-6;
    private const int Doublings = 26;
    private const int BucketCount = (BucketsPerDoubling * Doublings) + 2;

    private static readonly double[] UpperBounds = Enumerable.Range(0, BucketCount - 1)
        .Select(i => MinSeconds * Math.Pow(2, (double)i / BucketsPerDoubling))
        .Append(double.PositiveInfinity)
        .ToArray();

    private readonly long[] _buckets = new long[BucketCount];
    private long _count;
    private long _sumNanoseconds;
    private long _maxNanoseconds;

    public void Record(TimeSpan duration) => Record(duration.TotalSeconds);

    public void Record(double seconds)
    {
        if (!(seconds >= 0))
        {
            return;
        }

        var bucket = seconds <= MinSeconds ? 0 : Math.Min(BucketCount - 1, (int)Math.Ceiling(Math.Log2(seconds / MinSeconds) * BucketsPerDoubling));
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _count);
        var nanoseconds = (long)(seconds * 1e9);
        Interlocked.Add(ref _sumNanoseconds, nanoseconds);
        long max;
        while (nanoseconds > (max = Volatile.Read(ref _maxNanoseconds)) && Interlocked.CompareExchange(ref _maxNanoseconds, nanoseconds, max) != max)
        {
        }
    }

    public LatencySummary Snapshot(bool reset)
    {
        var counts = new long[BucketCount];
        long total = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            counts[i] = reset ? Interlocked.Exchange(ref _buckets[i], 0) : Volatile.Read(ref _buckets[i]);
            total += counts[i];
        }

        var sum = reset ? Interlocked.Exchange(ref _sumNanoseconds, 0) : Volatile.Read(ref _sumNanoseconds);
        var max = reset ? Interlocked.Exchange(ref _maxNanoseconds, 0) : Volatile.Read(ref _maxNanoseconds);
        if (reset)
        {
            Interlocked.Exchange(ref _count, 0);
        }

        return new LatencySummary(
            total,
            total == 0 ? 0 : sum / 1e9 / total,
            Percentile(counts, total, 0.50),
            Percentile(counts, total, 0.95),
            Percentile(counts, total, 0.99),
            max / 1e9);
    }

    /// <summary>The upper bound of the bucket holding the q-quantile (so a percentile never reads low).</summary>
    private static double Percentile(long[] counts, long total, double q)
    {
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return double.IsPositiveInfinity(UpperBounds[i]) ? UpperBounds[i - 1] : UpperBounds[i];
            }
        }

        return UpperBounds[^2];
    }
}

/// <summary>Latency of one stage over an interval, in seconds.</summary>
public readonly record struct LatencySummary(long Count, double MeanSeconds, double P50Seconds, double P95Seconds, double P99Seconds, double MaxSeconds);
