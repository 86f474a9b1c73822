namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// DDM-style concept-drift detection on a stream of errors, here model–human disagreements: a level in standard
/// deviations, with DDM's warning at 2 and alarm at 3. The level is a two-proportion z statistic of the last
/// <see cref="RecentVerdicts"/> verdicts against every verdict before them (the STEPD form of DDM).
/// </summary>
/// <remarks>
/// Why not DDM's running minimum of p + s: the minimum of a noisy running rate is biased low, and at a steady 3%
/// disagreement classic DDM alarmed within 1,500 verdicts in 48 of 200 seeded runs (25 with 100 warm-up verdicts,
/// 10 with 300). Comparing a recent window with the older history keeps both sides honest estimates, so a steady
/// rate stays near level 0 while a rise to 20% reaches 4 well within a window (<see cref="MonitoringOptions.ConceptLevelThreshold"/>). The older history keeps growing, so
/// call <see cref="Reset"/> when the model changes. Not thread-safe.
/// </remarks>
public sealed class DdmDetector
{
    public const double WarningLevel = 2;
    public const double AlarmLevel = 3;

    private readonly bool[] _recent;
    private int _next;
    private int _recentFilled;
    private int _recentErrors;
    private long _olderCount;
    private long _olderErrors;

    /// <param name="minSamples">Verdicts before the level is judged, recent window included.</param>
    /// <param name="recentVerdicts">The window compared with the history before it.</param>
    public DdmDetector(int minSamples = 300, int recentVerdicts = 200)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recentVerdicts, 10);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, recentVerdicts + 10);
        MinSamples = minSamples;
        _recent = new bool[recentVerdicts];
    }

    public int MinSamples { get; }

    public int RecentVerdicts => _recent.Length;

    public long Count => _olderCount + _recentFilled;

    /// <summary>Disagreement rate of the recent window.</summary>
    public double RecentRate => _recentFilled == 0 ? 0 : (double)_recentErrors / _recentFilled;

    /// <summary>Disagreement rate of the verdicts before the recent window (the reference).</summary>
    public double ReferenceRate => _olderCount == 0 ? double.NaN : (double)_olderErrors / _olderCount;

    /// <summary>How many standard deviations the recent rate stands above the reference; 0 until <see cref="MinSamples"/>.</summary>
    public double Level { get; private set; }

    public bool IsWarning => Level >= WarningLevel;

    public bool IsAlarm => Level >= AlarmLevel;

    /// <summary>
    /// While set, verdicts leaving the recent window are dropped instead of joining the reference: the reference stays
    /// the rate from before the rise. Set while the alert is raised, so a lasting change (inspectors applying new
    /// criteria) keeps its alert until the rate returns or the detector is reset, instead of being absorbed into the
    /// history, clearing, and alarming again when the recent rate wanders above the mixed history: a second alarm for
    /// one change.
    /// </summary>
    public bool HoldReference { get; set; }

    public void Add(bool error)
    {
        if (_recentFilled == _recent.Length)
        {
            var leaving = _recent[_next];
            if (!HoldReference)
            {
                _olderCount++;
                _olderErrors += leaving ? 1 : 0;
            }

            _recentErrors -= leaving ? 1 : 0;
        }
        else
        {
            _recentFilled++;
        }

        _recent[_next] = error;
        _recentErrors += error ? 1 : 0;
        _next = _next + 1 == _recent.Length ? 0 : _next + 1;

        Level = Count < MinSamples ? 0 : ZStatistic();
    }

    public void Reset()
    {
        Array.Clear(_recent);
        _next = _recentFilled = _recentErrors = 0;
        _olderCount = _olderErrors = 0;
        Level = 0;
        HoldReference = false;
    }

    private double ZStatistic()
    {
        double n1 = _olderCount, n2 = _recentFilled;
        var pooled = (_olderErrors + _recentErrors) / (n1 + n2);

        // Half a verdict of continuity correction per side (Yates), as STEPD does, for a rate as low as 3%.
        var inverse = (1 / n1) + (1 / n2);
        var difference = (_recentErrors / n2) - (_olderErrors / n1) - (0.5 * inverse);

        // A pooled rate of 0 (no disagreement at all yet) would divide by zero; one pseudo-error keeps the scale finite.
        var variance = Math.Max(pooled, 1 / (n1 + n2)) * (1 - pooled) * inverse;
        return difference / Math.Sqrt(variance);
    }
}
