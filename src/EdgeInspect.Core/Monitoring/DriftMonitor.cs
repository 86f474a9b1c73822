namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// All drift detectors of one camera, each behind its own <see cref="AlertStateMachine"/>: a windowed JS distance and
/// a Page–Hinkley test per input metric, the score distribution and defect rate against the baseline (when the
/// baseline has them), and DDM on model–human disagreements.
/// </summary>
/// <remarks>
/// Feed it from one thread (the camera's monitoring loop): <see cref="ObserveFrame"/> per frame,
/// <see cref="ObservePrediction"/> per inference, <see cref="ObserveAgreement"/> per joined human verdict. Per-frame
/// work allocates nothing; a transition allocates its record. Transitions queue up until
/// <see cref="DrainTransitions"/>. <see cref="SetThreshold(string, double)"/> and <see cref="GetStates"/> may be
/// called from any thread. Time is the frame's or verdict's timestamp, so the same input gives the same transitions.
/// </remarks>
public sealed class DriftMonitor
{
    private readonly MonitoringOptions _options;
    private readonly Watch<WindowedDistributionDetector>[] _distribution;
    private readonly Watch<PageHinkleyDetector>[] _sequential;
    private readonly Watch<WindowedDistributionDetector>? _score;
    private readonly Watch<DefectRateWindow>? _defectRate;
    private readonly Watch<DdmDetector> _concept;
    private readonly Dictionary<string, AlertStateMachine> _machines = new(StringComparer.Ordinal);
    private readonly List<AlertTransition> _pending = [];
    private readonly Lock _pendingLock = new();
    private long _frames;
    private long _predictions;

    public DriftMonitor(string cameraId, DriftBaseline baseline, MonitoringOptions options)
    {
        var errors = new List<Configuration.ConfigError>();
        options.Validate("monitoring", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        CameraId = cameraId;
        Baseline = baseline;
        _options = options;

        _distribution = new Watch<WindowedDistributionDetector>[InputMetrics.Count];
        _sequential = new Watch<PageHinkleyDetector>[InputMetrics.Count];
        foreach (var metric in InputMetrics.All)
        {
            if (!baseline.Inputs.TryGetValue(metric, out var reference))
            {
                continue;
            }

            _distribution[(int)metric] = Add(
                $"{cameraId}.{metric.Name()}.distribution",
                new WindowedDistributionDetector(reference, options.WindowFrames, options.CorrectSmallSampleBias),
                options.DistanceThreshold);
            _sequential[(int)metric] = Add(
                $"{cameraId}.{metric.Name()}.sequential",
                new PageHinkleyDetector(metric.Name(), reference.Mean, reference.Std, options.SequentialDelta, options.SequentialLambda),
                options.SequentialLambda);
        }

        if (baseline.Score is { } score)
        {
            _score = Add($"{cameraId}.score.distribution", new WindowedDistributionDetector(score, options.OutputWindowFrames, options.CorrectSmallSampleBias), options.DistanceThreshold);
        }

        if (baseline.DefectRate is not null)
        {
            _defectRate = Add($"{cameraId}.defect_rate", new DefectRateWindow(options.OutputWindowFrames), options.DefectRateThreshold);
        }

        _concept = Add($"{cameraId}.concept", new DdmDetector(options.ConceptMinVerdicts, options.ConceptRecentVerdicts), options.ConceptLevelThreshold);
    }

    public string CameraId { get; }

    public DriftBaseline Baseline { get; }

    /// <summary>Alert names (the {name} of alert/state/{name}), in a stable order.</summary>
    public IReadOnlyCollection<string> AlertNames => _machines.Keys;

    public long FramesObserved => _frames;

    /// <summary>Feeds one frame's input metrics.</summary>
    public void ObserveFrame(in InputMetrics metrics, long seq, DateTimeOffset at)
    {
        _frames++;
        foreach (var metric in InputMetrics.All)
        {
            var value = metrics[metric];
            _distribution[(int)metric]?.Detector.Add(value);
            _sequential[(int)metric]?.Detector.Add(value);
        }

        if (_frames % _options.EvaluateEveryFrames != 0)
        {
            return;
        }

        foreach (var metric in InputMetrics.All)
        {
            if (_sequential[(int)metric] is { } sequential)
            {
                var ph = sequential.Detector;
                var reference = Baseline.Inputs[metric];
                Step(sequential, DetectorFamily.InputSequential, metric.Name(), ph.Statistic, reference.Mean,
                    reference.Mean + ph.MeanShiftSinceChange() * reference.Std, (int)Math.Min(int.MaxValue, ph.Frames - ph.ChangePoint), seq, at, ph.Classify());
            }

            if (_distribution[(int)metric] is { Detector.IsFull: true } distribution)
            {
                var d = distribution.Detector;
                Step(distribution, DetectorFamily.InputDistribution, metric.Name(), d.Distance(), d.Reference.Mean, d.WindowMean,
                    d.WindowFrames, seq, at, _sequential[(int)metric]?.Detector.Classify() ?? DriftKind.Unclassified);
            }
        }
    }

    /// <summary>
    /// Feeds one inference: its defect score, or null when the inference failed or returned nothing (those are counted
    /// by the output metrics, not judged for drift).
    /// </summary>
    public void ObservePrediction(double? defectScore, long seq, DateTimeOffset at)
    {
        if (defectScore is not { } score || !double.IsFinite(score))
        {
            return;
        }

        _predictions++;
        _score?.Detector.Add(score);
        _defectRate?.Detector.Add(score >= _options.DefectScoreThreshold);
        if (_predictions % _options.EvaluateEveryFrames != 0)
        {
            return;
        }

        if (_score is { Detector.IsFull: true } s)
        {
            Step(s, DetectorFamily.ScoreDistribution, "score", s.Detector.Distance(), s.Detector.Reference.Mean, s.Detector.WindowMean,
                s.Detector.WindowFrames, seq, at, DriftKind.Unclassified);
        }

        if (_defectRate is { Detector.IsFull: true } r)
        {
            var reference = Baseline.DefectRate!.Value;
            Step(r, DetectorFamily.DefectRate, "defect_rate", Math.Abs(r.Detector.Rate - reference), reference, r.Detector.Rate,
                r.Detector.WindowFrames, seq, at, DriftKind.Unclassified);
        }
    }

    /// <summary>
    /// Feeds one comparison of the model with a human (shadow, assist, canary, or a live audit): whether they disagreed.
    /// </summary>
    public void ObserveAgreement(bool disagreed, long verdictSeq, DateTimeOffset at)
    {
        var ddm = _concept.Detector;
        ddm.Add(disagreed);
        if (ddm.Count < ddm.MinSamples)
        {
            return;
        }

        Step(_concept, DetectorFamily.Concept, "disagreement", ddm.Level, ddm.ReferenceRate, ddm.RecentRate,
            ddm.RecentVerdicts, verdictSeq, at, DriftKind.Unclassified);
    }

    /// <summary>Restarts concept-drift tracking, e.g. after a model was promoted or rolled back.</summary>
    public void ResetConcept() => _concept.Detector.Reset();

    /// <summary>Moves the queued transitions into <paramref name="into"/>; returns how many.</summary>
    public int DrainTransitions(ICollection<AlertTransition> into)
    {
        lock (_pendingLock)
        {
            foreach (var t in _pending)
            {
                into.Add(t);
            }

            var count = _pending.Count;
            _pending.Clear();
            return count;
        }
    }

    /// <summary>Changes one alert's threshold at runtime (takes effect at its next evaluation). False if no such alert.</summary>
    public bool SetThreshold(string name, double threshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        if (!_machines.TryGetValue(name, out var machine))
        {
            return false;
        }

        machine.Policy = machine.Policy.WithThreshold(threshold);
        return true;
    }

    /// <summary>Changes the threshold of every alert of a family at runtime.</summary>
    public void SetThreshold(DetectorFamily family, double threshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        foreach (var (name, machine) in _machines)
        {
            if (FamilyOf(name) == family)
            {
                machine.Policy = machine.Policy.WithThreshold(threshold);
            }
        }
    }

    /// <summary>The current state of every alert, for the retained alert/state/{name} topics.</summary>
    public IReadOnlyList<AlertStatus> GetStates() =>
        _machines.Select(kv =>
        {
            var (state, since) = kv.Value.Status;
            return new AlertStatus(kv.Key, state, since, kv.Value.Policy.Threshold);
        }).ToList();

    private static DetectorFamily FamilyOf(string name) =>
        name.EndsWith(".sequential", StringComparison.Ordinal) ? DetectorFamily.InputSequential
        : name.EndsWith(".score.distribution", StringComparison.Ordinal) ? DetectorFamily.ScoreDistribution
        : name.EndsWith(".distribution", StringComparison.Ordinal) ? DetectorFamily.InputDistribution
        : name.EndsWith(".defect_rate", StringComparison.Ordinal) ? DetectorFamily.DefectRate
        : DetectorFamily.Concept;

    private Watch<T> Add<T>(string name, T detector, double threshold)
    {
        var machine = new AlertStateMachine(name, _options.PolicyFor(threshold));
        _machines.Add(name, machine);
        return new Watch<T>(detector, machine);
    }

    private void Step<T>(Watch<T> watch, DetectorFamily family, string metric, double reading, double reference, double current,
        int window, long seq, DateTimeOffset at, DriftKind kind)
    {
        if (watch.Machine.Observe(reading, at) is not { } step)
        {
            return;
        }

        var transition = new AlertTransition(watch.Machine.Name, CameraId, family, metric, step.From, step.To, at, reference, current,
            reading, watch.Machine.Policy.Threshold, window, seq, kind, step.IsRepeat);
        lock (_pendingLock)
        {
            _pending.Add(transition);
        }
    }

    private sealed record Watch<T>(T Detector, AlertStateMachine Machine);
}

/// <summary>The retained state of one alert.</summary>
public readonly record struct AlertStatus(string Name, AlertState State, DateTimeOffset Since, double Threshold);

/// <summary>The fraction of defect decisions among the last N predictions.</summary>
public sealed class DefectRateWindow(int windowFrames)
{
    private readonly bool[] _ring = new bool[windowFrames];
    private int _next;
    private int _filled;
    private int _defects;

    public int WindowFrames => _ring.Length;

    public bool IsFull => _filled == _ring.Length;

    public double Rate => _filled == 0 ? 0 : (double)_defects / _filled;

    public void Add(bool defect)
    {
        if (_filled == _ring.Length)
        {
            _defects -= _ring[_next] ? 1 : 0;
        }
        else
        {
            _filled++;
        }

        _ring[_next] = defect;
        _defects += defect ? 1 : 0;
        _next = (_next + 1) % _ring.Length;
    }
}
