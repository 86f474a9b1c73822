using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring.Incidents;

// Parameters are documented only where the name does not say enough.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Replay;

public sealed record ReplayReportOptions
{
    /// <summary>The model's class names in index order. <see cref="OkClass"/> is the one non-defect class.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    public int OkClass { get; init; }

    public double DefectThreshold { get; init; } = 0.5;

    public int ScoreBins { get; init; } = 20;

    public int LatencyBins { get; init; } = 30;

    /// <summary>Keeps report.html light and its SVG fast to draw on a long run; alerts are kept whatever this is.</summary>
    public int MaxTimelinePoints { get; init; } = 2000;

    public int MaxDisagreementsShown { get; init; } = 200;

    /// <summary>Lets the builder presize its per-frame arrays; 0 when unknown (a live video).</summary>
    public int ExpectedFrames { get; init; }
}

/// <summary>
/// Accumulates a replay's per-frame observations and drift alerts, then builds the <see cref="ReplayReport"/>.
/// Per frame it does fixed work on preallocated counters and appends to growable primitive arrays; allocation
/// happens only when those arrays grow and for disagreeing frames. Pure C#, not thread-safe: feed it from one loop.
/// </summary>
public sealed class ReplayReportBuilder
{
    private readonly ReplayReportOptions _options;
    private readonly IThumbnailMaker _thumbnails;
    private readonly long[,] _confusion;
    private readonly long[] _scoreAll;
    private readonly long[] _scoreOk;
    private readonly long[] _scoreDefect;
    private readonly List<AlertMarker> _alerts = [];
    private readonly Dictionary<string, (IncidentEvent Raised, IncidentEvent Last, int Messages)> _incidents = new(StringComparer.Ordinal);
    private readonly List<Disagreement> _disagreements = [];
    private GrowableArray<long> _frameIndex;
    private GrowableArray<float> _brightness;
    private GrowableArray<float> _contrast;
    private GrowableArray<float> _sharpness;
    private GrowableArray<float> _preprocessMs;
    private GrowableArray<float> _inferenceMs;
    private GrowableArray<float> _endToEndMs;
    private long _frames;
    private long _labelled;
    private long _disagreementTotal;
    private long _tp, _fn, _fp, _tn;

    public ReplayReportBuilder(ReplayReportOptions options, IThumbnailMaker? thumbnails = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ClassNames.Count < 2)
        {
            throw new ArgumentException("A replay needs at least two class names.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(options.OkClass);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(options.OkClass, options.ClassNames.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ScoreBins, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LatencyBins, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTimelinePoints, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxDisagreementsShown);
        if (options.DefectThreshold is not (> 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DefectThreshold, "The defect threshold is a score in (0, 1].");
        }

        _options = options;
        _thumbnails = thumbnails ?? new JpegPassThroughThumbnails();
        var n = options.ClassNames.Count;
        _confusion = new long[n, n];
        _scoreAll = new long[options.ScoreBins];
        _scoreOk = new long[options.ScoreBins];
        _scoreDefect = new long[options.ScoreBins];
        var capacity = Math.Max(options.ExpectedFrames, 256);
        _frameIndex = new(capacity);
        _brightness = new(capacity);
        _contrast = new(capacity);
        _sharpness = new(capacity);
        _preprocessMs = new(capacity);
        _inferenceMs = new(capacity);
        _endToEndMs = new(capacity);
    }

    public long Frames => _frames;

    /// <summary>Records one frame. Returns true when the frame has a label and the predicted class differs from it.</summary>
    public bool Observe(in FrameObservation frame)
    {
        var classes = _options.ClassNames.Count;
        if ((uint)frame.PredictedClass >= (uint)classes)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), $"Predicted class {frame.PredictedClass} is not one of the {classes} classes.");
        }

        if (frame.TrueClass is { } t && (uint)t >= (uint)classes)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), $"True class {t} is not one of the {classes} classes.");
        }

        _frames++;
        _frameIndex.Add(frame.FrameIndex);
        _brightness.Add(frame.Brightness);
        _contrast.Add(frame.Contrast);
        _sharpness.Add(frame.Sharpness);
        _preprocessMs.Add((float)frame.Preprocess.TotalMilliseconds);
        _inferenceMs.Add((float)frame.Inference.TotalMilliseconds);
        _endToEndMs.Add((float)frame.EndToEnd.TotalMilliseconds);

        var score = Math.Clamp(frame.DefectScore, 0f, 1f);
        var bin = ScoreBin(score);
        _scoreAll[bin]++;

        if (frame.TrueClass is not { } truth)
        {
            return false;
        }

        _labelled++;
        _confusion[truth, frame.PredictedClass]++;
        var flagged = score >= _options.DefectThreshold;
        if (truth == _options.OkClass)
        {
            _scoreOk[bin]++;
            if (flagged) { _fp++; } else { _tn++; }
        }
        else
        {
            _scoreDefect[bin]++;
            if (flagged) { _tp++; } else { _fn++; }
        }

        if (truth == frame.PredictedClass)
        {
            return false;
        }

        _disagreementTotal++;
        if (_disagreements.Count < _options.MaxDisagreementsShown)
        {
            var jpeg = frame.Image.IsEmpty ? null : _thumbnails.MakeJpeg(frame.Image.Span);
            _disagreements.Add(new Disagreement(
                frame.FrameIndex,
                frame.File ?? $"frame {frame.FrameIndex}",
                _options.ClassNames[truth],
                _options.ClassNames[frame.PredictedClass],
                // A float score widened to double prints as 0.98000001907; four decimals is what a reader can use.
                Math.Round((double)score, 4),
                jpeg is null ? null : ThumbnailDataUri.FromJpeg(jpeg)));
        }

        return true;
    }

    /// <summary>Records a drift alert changing state at a frame.</summary>
    /// <param name="raised">True when the alert was raised, false when it cleared.</param>
    public void Alert(long frameIndex, string name, bool raised, string metric, double? value = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        _alerts.Add(new AlertMarker(frameIndex, name, raised ? AlertStates.Raised : AlertStates.Cleared, metric, value));
    }

    /// <summary>Records an incident message (raised, updated, cleared); the report keeps each incident's first and last.</summary>
    public void Incident(IncidentEvent incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var id = incident.Incident.Id;
        _incidents[id] = _incidents.TryGetValue(id, out var seen) ? (seen.Raised, incident, seen.Messages + 1) : (incident, incident, 1);
    }

    public ReplayReport Build(ReplayRun run, DateTimeOffset startedUtc, DateTimeOffset endedUtc)
    {
        ArgumentNullException.ThrowIfNull(run);
        var duration = Math.Max(0, (endedUtc - startedUtc).TotalSeconds);
        return new ReplayReport
        {
            Run = new ReplayRunSummary
            {
                Model = run.Model,
                Source = run.Source,
                Mode = run.Mode,
                Frames = _frames,
                LabelledFrames = _labelled,
                DurationSeconds = duration,
                Fps = duration > 0 ? _frames / duration : 0,
                StartedUtc = startedUtc.ToUniversalTime(),
                EndedUtc = endedUtc.ToUniversalTime(),
                DefectThreshold = _options.DefectThreshold,
            },
            Incidents = BuildIncidents(),
            Evaluation = _labelled > 0 ? BuildEvaluation() : null,
            Scores = new ScoreHistogram
            {
                Threshold = _options.DefectThreshold,
                BinEdges = Enumerable.Range(0, _options.ScoreBins + 1).Select(i => (double)i / _options.ScoreBins).ToArray(),
                All = (long[])_scoreAll.Clone(),
                Ok = _labelled > 0 ? (long[])_scoreOk.Clone() : null,
                Defect = _labelled > 0 ? (long[])_scoreDefect.Clone() : null,
            },
            Latency = new LatencyReport(
            [
                StageLatencies.Of(LatencyStages.Preprocess, _preprocessMs.AsSpan(), _options.LatencyBins),
                StageLatencies.Of(LatencyStages.Inference, _inferenceMs.AsSpan(), _options.LatencyBins),
                StageLatencies.Of(LatencyStages.EndToEnd, _endToEndMs.AsSpan(), _options.LatencyBins),
            ]),
            Timeline = BuildTimeline(),
            Disagreements = new DisagreementSection { Total = _disagreementTotal, Frames = _disagreements.ToArray() },
        };
    }

    private ReplayIncident[] BuildIncidents() => _incidents.Values
        .OrderBy(i => i.Raised.Incident.RaisedSeq)
        .Select(i =>
        {
            var last = i.Last.Incident;
            var body = IncidentPayloads.ToStateBody(last);
            return new ReplayIncident(last.Id, last.CameraId, body.State, i.Raised.Incident.Diagnosis.Class.Name(), body.Diagnosis,
                last.StartSeq - 1, last.RaisedSeq - 1, last.EndSeq - 1, last.StartedAt, last.RaisedAt, last.EndedAt, last.Revision, i.Messages, body.Members);
        })
        .ToArray();

    private int ScoreBin(float score) => Math.Min((int)(score * _options.ScoreBins), _options.ScoreBins - 1);

    private ReplayEvaluation BuildEvaluation()
    {
        var names = _options.ClassNames;
        var n = names.Count;
        var matrix = new long[n][];
        long correct = 0;
        for (var t = 0; t < n; t++)
        {
            matrix[t] = new long[n];
            for (var p = 0; p < n; p++)
            {
                matrix[t][p] = _confusion[t, p];
            }

            correct += _confusion[t, t];
        }

        var classes = new ClassMetrics[n];
        for (var c = 0; c < n; c++)
        {
            long support = 0, predicted = 0;
            for (var k = 0; k < n; k++)
            {
                support += _confusion[c, k];
                predicted += _confusion[k, c];
            }

            var hit = _confusion[c, c];
            classes[c] = new ClassMetrics(c, names[c], Ratio(hit, predicted), Ratio(hit, support), support, predicted);
        }

        return new ReplayEvaluation
        {
            ClassNames = names.ToArray(),
            ConfusionMatrix = matrix,
            Classes = classes,
            LabelledFrames = _labelled,
            Correct = correct,
            Accuracy = (double)correct / _labelled,
            Binary = new BinaryDefectView
            {
                Threshold = _options.DefectThreshold,
                DefectFrames = _tp + _fn,
                OkFrames = _fp + _tn,
                TruePositives = _tp,
                FalseNegatives = _fn,
                FalsePositives = _fp,
                TrueNegatives = _tn,
                DefectRecall = Ratio(_tp, _tp + _fn),
                FalseAlarmRate = Ratio(_fp, _fp + _tn),
            },
        };
    }

    private static double? Ratio(long part, long whole) => whole == 0 ? null : (double)part / whole;

    private InputTimeline BuildTimeline()
    {
        var count = _frameIndex.Count;
        var bucket = Math.Max(1, (int)Math.Ceiling((double)count / _options.MaxTimelinePoints));
        var points = new TimelinePoint[(count + bucket - 1) / bucket];
        var index = _frameIndex.AsSpan();
        var brightness = _brightness.AsSpan();
        var contrast = _contrast.AsSpan();
        var sharpness = _sharpness.AsSpan();
        for (var p = 0; p < points.Length; p++)
        {
            var start = p * bucket;
            var end = Math.Min(start + bucket, count);
            double b = 0, c = 0, s = 0;
            for (var i = start; i < end; i++)
            {
                b += brightness[i];
                c += contrast[i];
                s += sharpness[i];
            }

            var k = end - start;
            points[p] = new TimelinePoint(index[start], b / k, c / k, s / k);
        }

        return new InputTimeline
        {
            TotalFrames = _frames,
            BucketSize = bucket,
            Points = points,
            Alerts = _alerts.OrderBy(a => a.FrameIndex).ToArray(),
        };
    }

    /// <summary>A List&lt;T&gt; without the bounds and version checks, exposing its span for the final pass.</summary>
    private struct GrowableArray<T>(int capacity)
        where T : unmanaged
    {
        private T[] _items = new T[capacity];

        public int Count { get; private set; }

        public void Add(T item)
        {
            if (Count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }

            _items[Count++] = item;
        }

        public readonly ReadOnlySpan<T> AsSpan() => _items.AsSpan(0, Count);
    }
}
