namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// The Jensen–Shannon distance between the last <see cref="WindowFrames"/> values of a metric and its reference
/// histogram. The window is a ring of bin indices with running bin counts, so adding a value is O(1) and
/// allocation-free, and evaluating costs one pass over the (few) bins.
/// </summary>
/// <remarks>Not thread-safe: one camera's monitoring loop owns it.</remarks>
public sealed class WindowedDistributionDetector
{
    private readonly MetricBaseline _reference;
    private readonly byte[] _ring;
    private readonly int[] _counts;
    private readonly double[] _sums;
    private int _next;
    private int _filled;

    public WindowedDistributionDetector(MetricBaseline reference, int windowFrames, bool correctSmallSampleBias = true)
    {
        CorrectsSmallSampleBias = correctSmallSampleBias;
        ArgumentOutOfRangeException.ThrowIfLessThan(windowFrames, 1);
        if (reference.BinCount > byte.MaxValue)
        {
            throw new ArgumentException($"{reference.Name}: {reference.BinCount} bins; at most {byte.MaxValue} are supported", nameof(reference));
        }

        _reference = reference;
        _ring = new byte[windowFrames];
        _counts = new int[reference.BinCount];
        _sums = new double[windowFrames];
        WindowFrames = windowFrames;
    }

    public string Metric => _reference.Name;

    public int WindowFrames { get; }

    /// <summary>Whether the distance has the part expected by chance from two finite samples removed (see <see cref="DistributionDistance.JensenShannon"/>).</summary>
    public bool CorrectsSmallSampleBias { get; }

    public bool IsFull => _filled == WindowFrames;

    public MetricBaseline Reference => _reference;

    /// <summary>Mean of the values in the window (the "current value" reported with an alert).</summary>
    public double WindowMean
    {
        get
        {
            if (_filled == 0)
            {
                return double.NaN;
            }

            double sum = 0;
            for (var i = 0; i < _filled; i++)
            {
                sum += _sums[i];
            }

            return sum / _filled;
        }
    }

    public void Add(double value)
    {
        var bin = (byte)_reference.BinOf(value);
        if (_filled == WindowFrames)
        {
            _counts[_ring[_next]]--;
        }
        else
        {
            _filled++;
        }

        _ring[_next] = bin;
        _sums[_next] = value;
        _counts[bin]++;
        _next = _next + 1 == WindowFrames ? 0 : _next + 1;
    }

    /// <summary>JS distance of the window against the reference; 0 while the window is empty.</summary>
    public double Distance() => DistributionDistance.JensenShannon(_reference.Probabilities, _counts, CorrectsSmallSampleBias ? _reference.Count : 0);

    public void Reset()
    {
        Array.Clear(_counts);
        _filled = 0;
        _next = 0;
    }
}
