using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// All drift detectors of one camera, each behind its own <see cref="AlertStateMachine"/>: a windowed JS distance and
/// a Page–Hinkley test per input metric (the chroma ratios: Page–Hinkley only), the score distribution and defect rate against the baseline (when the
/// baseline has them), the class mix and defect rate of the last few parts against their reference band, the share
/// of black and saturated frames, and DDM on model–human disagreements.
/// </summary>
/// <remarks>
/// Feed it from one thread (the camera's monitoring loop): <see cref="ObserveFrame(in InputMetrics, FrameFlags, long, DateTimeOffset)"/>
/// per frame, <see cref="ObservePrediction(int?, double?, long, DateTimeOffset)"/> per inference,
/// <see cref="ObserveAgreement"/> per joined human verdict; <see cref="GetEvidence"/> from the same thread. Per-frame
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
    private readonly Watch<ShareBandDetector>? _classShare;
    private readonly Watch<ShareBandDetector>? _defectBand;
    private readonly Watch<FlagShare> _black;
    private readonly Watch<FlagShare> _saturated;
    private readonly Watch<DdmDetector> _concept;
    private readonly Dictionary<string, (AlertStateMachine Machine, DetectorFamily Family)> _machines = new(StringComparer.Ordinal);
    private readonly List<AlertTransition> _pending = [];
    private readonly Lock _pendingLock = new();
    private readonly double[] _recent;
    private readonly double[] _scales = new double[InputMetrics.Count];
    private int _recentNext;
    private int _recentFilled;
    private long _frames;
    private long _lastSeq;
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

            // The chroma ratios are watched by their mean only. Across product colours they cluster tightly (R/G of
            // white, silver and graphite covers within 0.99-1.06, blue ones near 0.64), so equal-mass bins cut inside
            // the clusters and the mix of colours on the line moves mass across those cuts by chance: 5,000 holdout
            // frames read a distance of 0.118 (threshold 0.1). A colour change moves the mean by many spreads.
            if (!metric.IsChroma())
            {
                _distribution[(int)metric] = Add(
                    $"{cameraId}.{metric.Name()}.distribution",
                    DetectorFamily.InputDistribution,
                    new WindowedDistributionDetector(reference, options.WindowFrames, options.CorrectSmallSampleBias),
                    options.DistanceThreshold);
            }

            var sequential = new PageHinkleyDetector(metric.Name(), reference.Mean, reference.Std, options.SequentialDelta, options.SequentialLambda, metric.Resolution());
            _sequential[(int)metric] = Add($"{cameraId}.{metric.Name()}.sequential", DetectorFamily.InputSequential, sequential, options.SequentialLambda);
            _scales[(int)metric] = sequential.Scale;
        }

        if (baseline.Score is { } score)
        {
            _score = Add($"{cameraId}.score.distribution", DetectorFamily.ScoreDistribution,
                new WindowedDistributionDetector(score, options.OutputWindowFrames, options.CorrectSmallSampleBias), options.DistanceThreshold);
        }

        if (baseline.DefectRate is { } rate)
        {
            _defectRate = Add($"{cameraId}.defect_rate", DetectorFamily.DefectRate, new DefectRateWindow(options.OutputWindowFrames), options.DefectRateThreshold);
            _defectBand = Add($"{cameraId}.defect_rate.band", DetectorFamily.DefectRateBand,
                new ShareBandDetector([1 - rate, rate], options.ShareWindowParts, options.ShareMinParts, options.ShareConfidenceZ), options.ShareMargin);
        }

        if (baseline.Classes is { } classes)
        {
            _classShare = Add($"{cameraId}.class_share", DetectorFamily.ClassShare,
                new ShareBandDetector(classes.Select(c => c.Share).ToArray(), options.ShareWindowParts, options.ShareMinParts, options.ShareConfidenceZ), options.ShareMargin);
            ClassNames = classes.Select(c => c.Name).ToArray();
        }

        _black = Add($"{cameraId}.black_frames", DetectorFamily.CameraFault, new FlagShare(options.CameraFaultWindowFrames), options.CameraFaultFraction);
        _saturated = Add($"{cameraId}.saturated_frames", DetectorFamily.CameraFault, new FlagShare(options.CameraFaultWindowFrames), options.CameraFaultFraction);
        _concept = Add($"{cameraId}.concept", DetectorFamily.Concept, new DdmDetector(options.ConceptMinVerdicts, options.ConceptRecentVerdicts), options.ConceptLevelThreshold);
        _recent = new double[InputMetrics.Count * options.EvidenceFrames];
    }

    public string CameraId { get; }

    public DriftBaseline Baseline { get; }

    /// <summary>Alert names (the {name} of alert/state/{name}), in a stable order.</summary>
    public IReadOnlyCollection<string> AlertNames => _machines.Keys;

    public long FramesObserved => _frames;

    /// <summary>The baseline's class names, in the model's order, when it has a class mix (null otherwise).</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Feeds one frame's input metrics (a frame without capture's black/saturated flags).</summary>
    public void ObserveFrame(in InputMetrics metrics, long seq, DateTimeOffset at) => ObserveFrame(metrics, FrameFlags.None, seq, at);

    /// <summary>Feeds one frame's input metrics and the flags capture set on it (all-black, saturated).</summary>
    public void ObserveFrame(in InputMetrics metrics, FrameFlags flags, long seq, DateTimeOffset at)
    {
        _frames++;
        _lastSeq = seq;
        var slot = _recentNext * InputMetrics.Count;
        foreach (var metric in InputMetrics.All)
        {
            var value = metrics[metric];
            _recent[slot + (int)metric] = value;
            _distribution[(int)metric]?.Detector.Add(value);
            _sequential[(int)metric]?.Detector.Add(value);
        }

        _recentNext = _recentNext + 1 == _options.EvidenceFrames ? 0 : _recentNext + 1;
        _recentFilled = Math.Min(_recentFilled + 1, _options.EvidenceFrames);

        // Capture's flags are judged every frame: a camera that goes black must not wait for the windowed cadence.
        _black.Detector.Add((flags & FrameFlags.AllBlack) != 0);
        _saturated.Detector.Add((flags & FrameFlags.Saturated) != 0);
        if (_black.Detector.IsFull)
        {
            Step(_black, DetectorFamily.CameraFault, "black_frames", _black.Detector.Share, 0, _black.Detector.Share, _black.Detector.WindowFrames, seq, at, DriftKind.Unclassified);
            Step(_saturated, DetectorFamily.CameraFault, "saturated_frames", _saturated.Detector.Share, 0, _saturated.Detector.Share, _saturated.Detector.WindowFrames, seq, at, DriftKind.Unclassified);
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
    /// by the output metrics, not judged for drift). Without the predicted class the class mix is not judged; prefer
    /// <see cref="ObservePrediction(int?, double?, long, DateTimeOffset)"/>.
    /// </summary>
    public void ObservePrediction(double? defectScore, long seq, DateTimeOffset at) => ObservePrediction(null, defectScore, seq, at);

    /// <summary>
    /// Feeds one inference: the predicted class (an index into the model's class names, which the baseline's class mix
    /// follows) and its defect score; a null or non-finite score (a failed or empty inference) is not judged.
    /// </summary>
    public void ObservePrediction(int? classIndex, double? defectScore, long seq, DateTimeOffset at)
    {
        if (defectScore is not { } score || !double.IsFinite(score))
        {
            return;
        }

        _predictions++;
        _score?.Detector.Add(score);
        var defect = score >= _options.DefectScoreThreshold;
        _defectRate?.Detector.Add(defect);

        // The short bands are judged on every part: they exist to see a one-class stream within a few dozen parts.
        if (_defectBand is { } band)
        {
            band.Detector.Add(defect ? 1 : 0);
            StepBand(band, DetectorFamily.DefectRateBand, "defect_rate", 1, seq, at);
        }

        if (_classShare is { } classes && classIndex is { } c)
        {
            classes.Detector.Add(c);
            StepBand(classes, DetectorFamily.ClassShare, "class_share", -1, seq, at);
        }

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

        // While the alert stands, the rate before the rise stays the reference (see DdmDetector.HoldReference).
        ddm.HoldReference = _concept.Machine.State != AlertState.Ok;
    }

    /// <summary>Restarts concept-drift tracking, e.g. after a model was promoted or rolled back.</summary>
    public void ResetConcept() => _concept.Detector.Reset();

    /// <summary>
    /// What the detectors see now (recent input shifts, black and saturated shares, output and concept readings), for
    /// diagnosing an incident. Allocates; call it when an alert changes, not per frame, from the feeding thread.
    /// </summary>
    public DriftEvidence GetEvidence()
    {
        var inputs = new List<MetricShift>(InputMetrics.Count);
        foreach (var metric in InputMetrics.All)
        {
            if (!Baseline.Inputs.TryGetValue(metric, out var reference) || _sequential[(int)metric] is null)
            {
                continue;
            }

            double sum = 0;
            for (var i = 0; i < _recentFilled; i++)
            {
                sum += _recent[(i * InputMetrics.Count) + (int)metric];
            }

            inputs.Add(new MetricShift(metric, _recentFilled == 0 ? reference.Mean : sum / _recentFilled, reference.Mean, _scales[(int)metric], _recentFilled));
        }

        // The ring, oldest frame first, so the diagnosis can look at the frames since a change only.
        var recent = new double[_recentFilled * InputMetrics.Count];
        var oldest = _recentFilled < _options.EvidenceFrames ? 0 : _recentNext;
        for (var i = 0; i < _recentFilled; i++)
        {
            Array.Copy(_recent, ((oldest + i) % _options.EvidenceFrames) * InputMetrics.Count, recent, i * InputMetrics.Count, InputMetrics.Count);
        }

        var outputs = new List<DetectorReading>(4);
        if (_score is { Detector.IsFull: true } score)
        {
            outputs.Add(new(score.Machine.Name, DetectorFamily.ScoreDistribution, score.Detector.Distance(), score.Machine.Policy.Threshold));
        }

        if (_defectRate is { Detector.IsFull: true } rate)
        {
            outputs.Add(new(rate.Machine.Name, DetectorFamily.DefectRate, Math.Abs(rate.Detector.Rate - Baseline.DefectRate!.Value), rate.Machine.Policy.Threshold));
        }

        if (_defectBand is { Detector.IsReady: true } band)
        {
            outputs.Add(new(band.Machine.Name, DetectorFamily.DefectRateBand, band.Detector.Gap(), band.Machine.Policy.Threshold));
        }

        if (_classShare is { Detector.IsReady: true } classes)
        {
            outputs.Add(new(classes.Machine.Name, DetectorFamily.ClassShare, classes.Detector.Gap(), classes.Machine.Policy.Threshold));
        }

        var ddm = _concept.Detector;
        DetectorReading? concept = ddm.Count >= ddm.MinSamples
            ? new DetectorReading(_concept.Machine.Name, DetectorFamily.Concept, ddm.Level, _concept.Machine.Policy.Threshold)
            : null;
        return new DriftEvidence(CameraId, _frames, _lastSeq, inputs, _black.Detector.Share, _saturated.Detector.Share, outputs, concept) { Recent = recent };
    }

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
        if (!_machines.TryGetValue(name, out var entry))
        {
            return false;
        }

        entry.Machine.Policy = entry.Machine.Policy.WithThreshold(threshold);
        return true;
    }

    /// <summary>Changes the threshold of every alert of a family at runtime.</summary>
    public void SetThreshold(DetectorFamily family, double threshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        foreach (var (machine, machineFamily) in _machines.Values)
        {
            if (machineFamily == family)
            {
                machine.Policy = machine.Policy.WithThreshold(threshold);
            }
        }
    }

    /// <summary>The current state of every alert, for the retained alert/state/{name} topics.</summary>
    public IReadOnlyList<AlertStatus> GetStates() =>
        _machines.Select(kv =>
        {
            var (state, since) = kv.Value.Machine.Status;
            return new AlertStatus(kv.Key, state, since, kv.Value.Machine.Policy.Threshold);
        }).ToList();

    /// <summary>The detector family of an alert of this monitor; null when there is no such alert.</summary>
    public DetectorFamily? FamilyOf(string name) => _machines.TryGetValue(name, out var entry) ? entry.Family : null;

    private Watch<T> Add<T>(string name, DetectorFamily family, T detector, double threshold)
    {
        var machine = new AlertStateMachine(name, _options.PolicyFor(threshold));
        _machines.Add(name, (machine, family));
        return new Watch<T>(detector, machine);
    }

    // category: whose share is the alert's "current value" (−1: the category furthest out of its band).
    private void StepBand(Watch<ShareBandDetector> watch, DetectorFamily family, string metric, int category, long seq, DateTimeOffset at)
    {
        var band = watch.Detector;
        if (!band.IsReady)
        {
            return;
        }

        var gap = band.Gap(out var furthest);
        var shown = category >= 0 ? category : Math.Max(furthest, 0);
        Step(watch, family, metric, gap, band.ReferenceShare(shown), band.Share(shown), band.Count, seq, at, DriftKind.Unclassified);
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

    /// <summary>The share of flagged frames among the last N.</summary>
    private sealed class FlagShare(int windowFrames)
    {
        private readonly bool[] _ring = new bool[windowFrames];
        private int _next;
        private int _filled;
        private int _flagged;

        public int WindowFrames => _ring.Length;

        public bool IsFull => _filled == _ring.Length;

        public double Share => _filled == 0 ? 0 : (double)_flagged / _filled;

        public void Add(bool flagged)
        {
            if (_filled == _ring.Length)
            {
                _flagged -= _ring[_next] ? 1 : 0;
            }
            else
            {
                _filled++;
            }

            _ring[_next] = flagged;
            _flagged += flagged ? 1 : 0;
            _next = _next + 1 == _ring.Length ? 0 : _next + 1;
        }
    }
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
