namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// The Drift Detection Method (Gama et al., 2004) on a stream of errors, here model–human disagreements. It tracks
/// the error rate p and its standard deviation s = √(p(1−p)/n); the level is how many minimum-standard-deviations
/// p + s stands above the best (lowest) p + s seen: 2 is DDM's warning, 3 its alarm.
/// </summary>
/// <remarks>
/// p is Laplace-smoothed, (errors + 1)/(n + 2), because with a 3% rate the first 30 verdicts are often all agreements,
/// which would make the minimum s zero and the first disagreement an alarm. The detector is not reset on an alarm:
/// for a supervisor the alarm holds while the disagreement does. Call <see cref="Reset"/> when the model changes.
/// Not thread-safe.
/// </remarks>
public sealed class DdmDetector
{
    public const double WarningLevel = 2;
    public const double AlarmLevel = 3;

    private long _n;
    private long _errors;
    private double _minP = double.PositiveInfinity;
    private double _minS = double.PositiveInfinity;

    public DdmDetector(int minSamples = 30)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 1);
        MinSamples = minSamples;
    }

    public int MinSamples { get; }

    public long Count => _n;

    public double ErrorRate => (_errors + 1.0) / (_n + 2.0);

    /// <summary>The reference error rate: p at the best point seen so far (NaN before <see cref="MinSamples"/>).</summary>
    public double MinimumRate => double.IsPositiveInfinity(_minP) ? double.NaN : _minP;

    /// <summary>(p + s − p_min) / s_min; 0 until <see cref="MinSamples"/> verdicts were seen.</summary>
    public double Level { get; private set; }

    public bool IsWarning => Level >= WarningLevel;

    public bool IsAlarm => Level >= AlarmLevel;

    public void Add(bool error)
    {
        _n++;
        _errors += error ? 1 : 0;
        if (_n < MinSamples)
        {
            return;
        }

        var p = ErrorRate;
        var s = Math.Sqrt(p * (1 - p) / _n);
        if (p + s < _minP + _minS)
        {
            _minP = p;
            _minS = s;
        }

        Level = _minS > 0 ? (p + s - _minP) / _minS : 0;
    }

    public void Reset()
    {
        _n = _errors = 0;
        _minP = _minS = double.PositiveInfinity;
        Level = 0;
    }
}
