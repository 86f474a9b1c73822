namespace EdgeInspect.Core.Monitoring;

/// <summary>How a detected change came about.</summary>
public enum DriftKind
{
    /// <summary>Not classified (the sequential detector of the metric has not fired).</summary>
    Unclassified,

    /// <summary>A step: the metric moved at once and stayed (a knocked camera, a lamp failing).</summary>
    Sudden,

    /// <summary>A ramp: the metric kept moving further since the change began (lamp ageing, dust, daylight).</summary>
    Gradual,
}

/// <summary>
/// Two-sided Page–Hinkley test on a metric standardized against its baseline, z = (x − mean) / std. It tells a step
/// from a ramp by comparing the mean of z over the first and the second half of the run since the estimated change
/// point (as excess over the slack δ): a step has equal halves, a ramp's second half is about three times the first.
/// </summary>
/// <remarks>
/// The statistic is capped at <see cref="CapFactor"/> × λ so that, once the metric returns, it falls back under the
/// threshold within a bounded number of frames instead of taking as long as the drift lasted.
/// Not thread-safe: one camera's monitoring loop owns it.
/// </remarks>
public sealed class PageHinkleyDetector
{
    public const double CapFactor = 2;

    /// <summary>A ramp's halves differ by about the run's mean; a step's by noise only.</summary>
    private const double GradualRatio = 0.5;

    private const int HistoryFrames = 4096;

    private readonly double _mean;
    private readonly double _std;
    private readonly double[] _prefix = new double[HistoryFrames];
    private long _t;
    private double _sum;
    private double _up, _upMin;
    private long _upMinAt;
    private double _down, _downMin;
    private long _downMinAt;

    /// <param name="metric">The metric's name, for evidence.</param>
    /// <param name="referenceMean">The baseline's mean of the metric.</param>
    /// <param name="referenceStd">The baseline's standard deviation of the metric.</param>
    /// <param name="delta">Allowed drift per frame, in reference standard deviations, before anything accumulates.</param>
    /// <param name="lambda">Alarm threshold on the cumulative statistic.</param>
    /// <param name="minimumScale">
    /// The smallest standard deviation the metric is standardized by: its resolution (<see cref="InputMetricNames.Resolution"/>),
    /// the smallest difference that means anything. A reference with (almost) no spread, such as a clipping fraction
    /// that is 0 on every reference frame, would otherwise turn a difference of a few pixels into thousands of
    /// standard deviations: `dark_clipped` fired on "current 0.001 vs reference 0" that way.
    /// </param>
    public PageHinkleyDetector(string metric, double referenceMean, double referenceStd, double delta, double lambda, double minimumScale = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delta);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lambda);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumScale);
        Metric = metric;
        _mean = referenceMean;

        // Without a floor, a constant reference metric still needs some scale; that tiny one makes any change loud.
        var floor = minimumScale > 0 ? minimumScale : Math.Max(Math.Abs(referenceMean) * 1e-3, 1e-6);
        _std = referenceStd > floor ? referenceStd : floor;
        Delta = delta;
        Lambda = lambda;
    }

    /// <summary>The standard deviation values are standardized by: the reference's, or the floor when that is smaller.</summary>
    public double Scale => _std;

    public string Metric { get; }

    public double Delta { get; }

    public double Lambda { get; }

    /// <summary>max(up, down) cumulative statistic; at or above λ means a change.</summary>
    public double Statistic => Math.Max(_up - _upMin, _down - _downMin);

    /// <summary>+1 when the metric rose, −1 when it fell, 0 when neither side accumulates.</summary>
    public int Direction => Statistic <= 0 ? 0 : _up - _upMin >= _down - _downMin ? 1 : -1;

    /// <summary>Frame index where the current run is estimated to have begun.</summary>
    public long ChangePoint => Direction >= 0 ? _upMinAt : _downMinAt;

    public long Frames => _t;

    public void Add(double value)
    {
        var z = (value - _mean) / _std;
        if (!double.IsFinite(z))
        {
            z = 0;
        }

        _t++;
        _sum += z;
        _prefix[_t % HistoryFrames] = _sum;
        var cap = CapFactor * Lambda;

        _up += z - Delta;
        if (_up < _upMin)
        {
            _upMin = _up;
            _upMinAt = _t;
        }
        else if (_up - _upMin > cap)
        {
            _upMin = _up - cap;
        }

        _down += -z - Delta;
        if (_down < _downMin)
        {
            _downMin = _down;
            _downMinAt = _t;
        }
        else if (_down - _downMin > cap)
        {
            _downMin = _down - cap;
        }
    }

    /// <summary>Step or ramp, from the run since <see cref="ChangePoint"/>; Unclassified below λ or on a short run.</summary>
    public DriftKind Classify()
    {
        if (Statistic < Lambda)
        {
            return DriftKind.Unclassified;
        }

        var start = Math.Max(ChangePoint, _t - HistoryFrames + 1);
        var length = _t - start;
        if (length < 8)
        {
            return DriftKind.Sudden;
        }

        // Compared as excess over the slack δ, which is what accumulates: a ramp only starts to count once it leaves
        // the slack, so in z itself its halves differ little next to the slack it has to cross.
        var middle = start + length / 2;
        var direction = Direction;
        var first = direction * (Prefix(middle) - Prefix(start)) / (middle - start) - Delta;
        var second = direction * (Prefix(_t) - Prefix(middle)) / (_t - middle) - Delta;
        var overall = direction * (Prefix(_t) - Prefix(start)) / length - Delta;
        return overall > 0 && second - first > GradualRatio * overall ? DriftKind.Gradual : DriftKind.Sudden;
    }

    /// <summary>Mean of the standardized metric since the change point, i.e. how far it moved, in reference stds.</summary>
    public double MeanShiftSinceChange()
    {
        var start = Math.Max(ChangePoint, _t - HistoryFrames + 1);
        var length = _t - start;
        return length <= 0 ? 0 : (Prefix(_t) - Prefix(start)) / length;
    }

    public void Reset()
    {
        _up = _upMin = _down = _downMin = 0;
        _upMinAt = _downMinAt = _t;
    }

    private double Prefix(long t) => _prefix[t % HistoryFrames];
}
