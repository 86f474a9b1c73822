using EdgeInspect.Core.Statistics;

namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// Whether the share of each category (a predicted class, or defect versus ok) among the last few parts has left the
/// reference share's band: the reading is how far the reference share lies outside the Wilson interval of the
/// window's share, for the category that strays furthest; 0 while every reference share lies inside its interval.
/// </summary>
/// <remarks>
/// <para>Why a short window with an interval, beside the long windows of the score distribution: a model that starts
/// calling every part one class must be seen within a few dozen parts, not after a 300-part window has turned over.
/// A short window alone is noisy; the Wilson interval (which stays honest at shares near 0 or 1 and at small n) says
/// how far the window's share can wander by chance, so the reading only leaves 0 when the window is incompatible with
/// the reference at the chosen confidence, and the alert threshold (a margin in share) asks the difference to be
/// large enough to matter as well.</para>
/// <para>Adding a part is O(1) and allocates nothing; the reading is one pass over the (few) categories.
/// Not thread-safe: one camera's monitoring loop owns it.</para>
/// </remarks>
public sealed class ShareBandDetector
{
    private readonly double[] _reference;
    private readonly byte[] _ring;
    private readonly int[] _counts;
    private int _next;
    private int _filled;

    /// <param name="referenceShares">Each category's share in the reference (need not sum to 1 exactly).</param>
    /// <param name="windowParts">The recent parts judged.</param>
    /// <param name="minParts">Parts in the window before a reading is taken (fewer read 0).</param>
    /// <param name="z">Standard normal quantile of the interval (3.89 for 99.99%, two-sided).</param>
    public ShareBandDetector(IReadOnlyList<double> referenceShares, int windowParts, int minParts, double z)
    {
        if (referenceShares.Count is < 2 or > byte.MaxValue)
        {
            throw new ArgumentException($"{referenceShares.Count} categories; 2 to {byte.MaxValue} are supported", nameof(referenceShares));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(windowParts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minParts, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minParts, windowParts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(z);
        _reference = referenceShares.ToArray();
        _ring = new byte[windowParts];
        _counts = new int[_reference.Length];
        MinParts = minParts;
        Z = z;
    }

    public int Categories => _reference.Length;

    public int WindowParts => _ring.Length;

    public int MinParts { get; }

    public double Z { get; }

    /// <summary>Parts in the window now (up to <see cref="WindowParts"/>).</summary>
    public int Count => _filled;

    public bool IsReady => _filled >= MinParts;

    public double ReferenceShare(int category) => _reference[category];

    public double Share(int category) => _filled == 0 ? 0 : (double)_counts[category] / _filled;

    /// <summary>Adds one part's category; a category outside the reference's is ignored.</summary>
    public void Add(int category)
    {
        if ((uint)category >= (uint)_reference.Length)
        {
            return;
        }

        if (_filled == _ring.Length)
        {
            _counts[_ring[_next]]--;
        }
        else
        {
            _filled++;
        }

        _ring[_next] = (byte)category;
        _counts[category]++;
        _next = _next + 1 == _ring.Length ? 0 : _next + 1;
    }

    /// <summary>
    /// How far the reference share lies outside the window share's interval, for the category furthest out; 0 when
    /// all lie inside or the window holds fewer than <see cref="MinParts"/>.
    /// </summary>
    public double Gap() => Gap(out _);

    /// <inheritdoc cref="Gap()"/>
    /// <param name="category">The category furthest out (−1 when none is).</param>
    public double Gap(out int category)
    {
        category = -1;
        if (_filled < MinParts)
        {
            return 0;
        }

        var gap = 0.0;
        for (var c = 0; c < _reference.Length; c++)
        {
            var interval = ConfusionCounts.Wilson(_counts[c], _filled, Z)!.Value;
            var reference = _reference[c];
            var outside = reference < interval.Lower ? interval.Lower - reference : reference > interval.Upper ? reference - interval.Upper : 0;
            if (outside > gap)
            {
                gap = outside;
                category = c;
            }
        }

        return gap;
    }

    public void Reset()
    {
        Array.Clear(_counts);
        _filled = 0;
        _next = 0;
    }
}
