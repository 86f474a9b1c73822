namespace EdgeInspect.Core.Monitoring;

/// <summary>Why an inference produced no usable prediction.</summary>
public enum InferenceFailure
{
    /// <summary>The runtime threw or returned an error.</summary>
    Failed,

    /// <summary>The model ran but its output was empty or not finite.</summary>
    Empty,
}

/// <summary>
/// Counts of model outputs between two snapshots: defect rate, class distribution, a fixed-bin score histogram,
/// the uncertain fraction, and failed or empty inferences. Thread-safe: the inference stage records while the
/// metrics publisher takes snapshots.
/// </summary>
public sealed class OutputMetricsAccumulator
{
    private readonly Lock _lock = new();
    private readonly string[] _classNames;
    private readonly long[] _classCounts;
    private readonly long[] _scoreBins;
    private long _predictions, _defects, _uncertain, _failed, _empty;

    /// <param name="classNames">The model's class names, in output index order.</param>
    /// <param name="scoreBins">Equal-width bins of the defect score over [0, 1].</param>
    public OutputMetricsAccumulator(IReadOnlyList<string> classNames, int scoreBins = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scoreBins, 1);
        _classNames = classNames.ToArray();
        _classCounts = new long[_classNames.Length];
        _scoreBins = new long[scoreBins];
    }

    /// <param name="predictedClass">Index of the top class, or null for score-only models.</param>
    /// <param name="defectScore">Probability of any defect, in [0, 1].</param>
    /// <param name="isDefect">The model's decision.</param>
    /// <param name="isUncertain">The score fell inside the uncertainty band.</param>
    public void RecordPrediction(int? predictedClass, double defectScore, bool isDefect, bool isUncertain)
    {
        var bin = double.IsFinite(defectScore) ? Math.Clamp((int)(defectScore * _scoreBins.Length), 0, _scoreBins.Length - 1) : 0;
        lock (_lock)
        {
            _predictions++;
            _defects += isDefect ? 1 : 0;
            _uncertain += isUncertain ? 1 : 0;
            _scoreBins[bin]++;
            if (predictedClass is { } c && (uint)c < (uint)_classCounts.Length)
            {
                _classCounts[c]++;
            }
        }
    }

    public void RecordFailure(InferenceFailure failure)
    {
        lock (_lock)
        {
            if (failure == InferenceFailure.Failed)
            {
                _failed++;
            }
            else
            {
                _empty++;
            }
        }
    }

    /// <summary>The counts since the last reset; with <paramref name="reset"/>, starts a new interval.</summary>
    public OutputMetricsSnapshot Snapshot(bool reset)
    {
        lock (_lock)
        {
            var snapshot = new OutputMetricsSnapshot(
                _predictions,
                _defects,
                _predictions == 0 ? 0 : (double)_defects / _predictions,
                _classNames.Select((n, i) => new KeyValuePair<string, long>(n, _classCounts[i])).ToArray(),
                _scoreBins.ToArray(),
                _uncertain,
                _predictions == 0 ? 0 : (double)_uncertain / _predictions,
                _failed,
                _empty);
            if (reset)
            {
                _predictions = _defects = _uncertain = _failed = _empty = 0;
                Array.Clear(_classCounts);
                Array.Clear(_scoreBins);
            }

            return snapshot;
        }
    }
}

/// <summary>Output metrics over one interval. ScoreHistogram counts defect scores in equal-width bins over [0, 1].</summary>
public sealed record OutputMetricsSnapshot(
    long Predictions,
    long Defects,
    double DefectRate,
    IReadOnlyList<KeyValuePair<string, long>> Classes,
    IReadOnlyList<long> ScoreHistogram,
    long Uncertain,
    double UncertainFraction,
    long Failed,
    long Empty);
