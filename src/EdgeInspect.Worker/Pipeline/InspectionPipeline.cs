using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Records;
using EdgeInspect.Core.Samples;
using EdgeInspect.Core.Statistics;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// Carries each part from camera to decision to plant:
/// capture → input statistics + inference (active, and candidate in shadow) → routing by the automation mode →
/// verdict join with the inspector → decision and actuation → record → sink (the outbox, then MQTT).
/// </summary>
/// <remarks>
/// <para>Threads: capture runs on its own thread and hands frames to a bounded <see cref="FrameQueue"/> (free-run frames
/// drop oldest, triggered parts never drop). One inference thread takes each frame exactly once, so a promote or
/// rollback between two frames neither loses nor repeats a part. The verdict join and the sink writer are tasks.</para>
/// <para>Shutdown (cancellation): capture stops, every queued frame is still inspected, parts waiting for a human get
/// their verdict or time out, and every record reaches the sink before <see cref="RunAsync"/> returns.</para>
/// </remarks>
public sealed class InspectionPipeline : IAsyncDisposable
{
    private readonly PipelineSetup _setup;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly FrameQueue _frames;
    private readonly VerdictJoin<PendingPart> _join;
    private readonly Dictionary<string, VerdictJoin<PendingPart>> _joinsByPosition = new(StringComparer.Ordinal);
    private readonly Channel<object> _out;
    private readonly RecordSequence _partSeq;
    private readonly Lock _statsGate = new();
    private readonly Lock _metricsGate = new();
    private readonly AgreementStatistics _agreement;
    private readonly AgreementStatistics _candidateAgreement;
    private PromotionGate _gate;
    private SamplePolicy _samplePolicy;
    private readonly PipelineCounters _counters = new();
    private readonly List<AlertTransition> _transitions = [];
    private DecisionPolicy _policy;
    private DriftMonitor? _drift;
    private CaptureLoop? _capture;
    private volatile bool _inferenceDone;
    private long _modelVsModelParts;
    private long _modelVsModelAgree;

    public InspectionPipeline(PipelineSetup setup, ILogger logger)
    {
        _setup = setup;
        _logger = logger;
        _time = setup.Time;
        // A finite source (file, folder) is a replay: every frame is a part, so capture waits instead of dropping.
        _frames = new FrameQueue(setup.QueueCapacity, lossless: CaptureSource.TryParse(setup.Capture.Source, out var source, out _) && source.IsFinite);
        _join = new VerdictJoin<PendingPart>(_time, setup.Automation.VerdictTimeout);
        foreach (var position in setup.InspectorPositions.Distinct(StringComparer.Ordinal))
        {
            // The first position shares the main join; a press from a position not configured goes there too.
            _joinsByPosition[position] = _joinsByPosition.Count == 0 ? _join : new VerdictJoin<PendingPart>(_time, setup.Automation.VerdictTimeout);
        }
        _out = Channel.CreateBounded<object>(new BoundedChannelOptions(setup.SinkQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _partSeq = new RecordSequence(setup.BootEpochMs);
        _policy = new DecisionPolicy(setup.Automation);
        _agreement = new AgreementStatistics(_policy.Mode, setup.AgreementWindowParts, _time);
        _candidateAgreement = new AgreementStatistics(_policy.Mode, setup.AgreementWindowParts, _time);
        _gate = new PromotionGate(setup.Promotion);
        _samplePolicy = new SamplePolicy(setup.SamplesOptions);
        _drift = CreateDriftMonitor();
        setup.Metrics?.RegisterQueue("capture_to_inference", () => _frames.Depth);
    }

    /// <summary>Counters of every stage, including every drop by cause. Safe from any thread.</summary>
    public PipelineCounters Counters => _counters;

    public AutomationMode Mode => Volatile.Read(ref _policy).Mode;

    public ModelSlots<IInferenceModel> Models => _setup.Models;

    public CaptureCounters? CaptureCounters => _capture?.Counters;

    public VerdictJoinCounters JoinCounters => _join.Counters;

    public int QueueDepth => _frames.Depth;

    public AgreementSnapshot AgreementSnapshot()
    {
        lock (_statsGate)
        {
            return _agreement.Snapshot();
        }
    }

    public PromotionEvaluation PromotionEvaluation()
    {
        lock (_statsGate)
        {
            return _gate.Evaluate(_candidateOrActiveCounts());
        }
    }

    /// <summary>Runs until the source ends (finite sources set to stop) or <paramref name="stoppingToken"/> is cancelled, then drains.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await EmitAsync(new EventBody("mode-changed", $"started in {Mode}", Detail("from", "", "to", Mode.ToString(), "source", nameof(ModeChangeSource.Startup))));
        // A frame capture has delivered is a part: it is queued even during shutdown, and the inference thread drains it.
        _capture = new CaptureLoop(_setup.Capture, _setup.Sources, _setup.Pool, _time, frame => _frames.Write(frame, CancellationToken.None), OnCaptureEvent);

        var writer = Task.Run(() => WriteOutAsync(CancellationToken.None), CancellationToken.None);
        var captureThread = new Thread(() => RunCapture(stoppingToken)) { IsBackground = true, Name = "edgeinspect-capture" };
        var inferenceThread = new Thread(RunInference) { IsBackground = true, Name = "edgeinspect-inference" };
        captureThread.Start();
        inferenceThread.Start();
        var joinLoop = Task.Run(() => RunJoinAsync(), CancellationToken.None);
        using var metricsStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var metrics = Task.Run(() => PublishMetricsPeriodicallyAsync(metricsStop.Token), CancellationToken.None);

        await Task.Run(() => { captureThread.Join(); inferenceThread.Join(); }, CancellationToken.None);
        await joinLoop;
        await metricsStop.CancelAsync();
        await metrics;
        await EmitAsync(BuildMetrics());
        _out.Writer.TryComplete();
        await writer;
    }

    /// <summary>Changes the automation mode between two parts; a part keeps the mode it was routed in.</summary>
    public void SetMode(AutomationMode mode, ModeChangeSource source, string changedBy, string? reason = null)
    {
        var before = Interlocked.Exchange(ref _policy, Volatile.Read(ref _policy).WithMode(mode));
        lock (_statsGate)
        {
            _agreement.StartMode(mode);
            _candidateAgreement.StartMode(mode);
        }

        _logger.LogInformation("Mode {From} -> {To} by {ChangedBy} ({Source})", before.Mode, mode, changedBy, source);
        TryEmit(new EventBody("mode-changed", $"mode {before.Mode} -> {mode} by {changedBy}" + (reason is null ? "" : $": {reason}"),
            Detail("from", before.Mode.ToString(), "to", mode.ToString(), "source", source.ToString(), "changedBy", changedBy, "configRevision", _setup.Station.ConfigRevision)));
    }

    /// <summary>Loads a package into the candidate slot after its self-test; a failure leaves every slot as it was.</summary>
    /// <exception cref="ModelPackageException">The package was refused, with every reason.</exception>
    public void LoadCandidate(string packageDirectory, string requestedBy)
    {
        var model = _setup.LoadModel(packageDirectory);
        _setup.Models.LoadCandidate(model);
        lock (_statsGate)
        {
            _candidateAgreement.StartMode(Mode);
            _gate.Reset();
        }

        Interlocked.Exchange(ref _modelVsModelParts, 0);
        Interlocked.Exchange(ref _modelVsModelAgree, 0);
        TryEmit(new EventBody("model-loaded", $"candidate {model.Identity} loaded by {requestedBy}", IdentityDetail("candidate", model.Identity, requestedBy)));
    }

    /// <summary>Candidate becomes active, atomically between two frames; the old active stays loaded for rollback.</summary>
    public bool Promote(string requestedBy)
    {
        var candidate = _setup.Models.Candidate?.Identity;
        if (!_setup.Models.Promote())
        {
            return false;
        }

        OnActiveChanged();
        TryEmit(new EventBody("model-promoted", $"{candidate} is active (by {requestedBy})", IdentityDetail("active", candidate!, requestedBy)));
        return true;
    }

    /// <summary>The previous model becomes active again at once (it stayed loaded).</summary>
    public bool Rollback(string requestedBy)
    {
        if (!_setup.Models.Rollback())
        {
            return false;
        }

        var active = _setup.Models.Active!.Identity;
        OnActiveChanged();
        TryEmit(new EventBody("model-rolled-back", $"{active} is active again (by {requestedBy})", IdentityDetail("active", active, requestedBy)));
        return true;
    }

    /// <summary>
    /// Applies the hot-reloadable fields of a changed station file between two parts: the automation policy (mode,
    /// canary and audit fractions), the promotion criteria, the sampling rates and the drift thresholds.
    /// </summary>
    public void ApplyReload(AutomationOptions automation, PromotionOptions promotion, SampleOptions samples, MonitoringOptions monitoring)
    {
        var current = Volatile.Read(ref _policy);
        var next = new DecisionPolicy(automation).WithMode(current.Mode);
        Interlocked.Exchange(ref _policy, next);
        if (automation.Mode != current.Mode)
        {
            SetMode(automation.Mode, ModeChangeSource.ConfigReload, "config", "station file reloaded");
        }

        Volatile.Write(ref _samplePolicy, new SamplePolicy(samples));
        lock (_statsGate)
        {
            _gate = new PromotionGate(promotion);
            if (_drift is { } drift)
            {
                drift.SetThreshold(DetectorFamily.InputDistribution, monitoring.DistanceThreshold);
                drift.SetThreshold(DetectorFamily.ScoreDistribution, monitoring.DistanceThreshold);
                drift.SetThreshold(DetectorFamily.InputSequential, monitoring.SequentialLambda);
                drift.SetThreshold(DetectorFamily.DefectRate, monitoring.DefectRateThreshold);
                drift.SetThreshold(DetectorFamily.Concept, monitoring.ConceptLevelThreshold);
            }
        }
    }

    /// <summary>
    /// Asks capture for one frame for one part (software trigger, or the part-present input), when the camera runs
    /// in triggered mode. False when capture is not running or is free-running.
    /// </summary>
    public bool Trigger()
    {
        if (_capture is null || _setup.Capture.Mode != CaptureMode.Triggered)
        {
            return false;
        }

        _capture.Trigger();
        return true;
    }

    /// <summary>Publishes a metrics snapshot now (cmd/snapshot).</summary>
    public void PublishSnapshot() => TryEmit(BuildMetrics());

    /// <summary>Changes a drift detector's threshold at runtime (by alert name, or by detector family).</summary>
    public bool SetDriftThreshold(string nameOrFamily, double threshold)
    {
        lock (_statsGate)
        {
            if (_drift is null)
            {
                return false;
            }

            if (Enum.TryParse<DetectorFamily>(nameOrFamily, ignoreCase: true, out var family))
            {
                _drift.SetThreshold(family, threshold);
                return true;
            }

            return _drift.SetThreshold(nameOrFamily, threshold);
        }
    }

    public ValueTask DisposeAsync()
    {
        _capture?.Dispose();
        return ValueTask.CompletedTask;
    }

    private void RunCapture(CancellationToken stoppingToken)
    {
        try
        {
            _capture!.Run(stoppingToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Capture stopped on an unexpected error; the pipeline drains and stops");
        }
        finally
        {
            _frames.Complete();
        }
    }

    private void RunInference()
    {
        try
        {
            while (!_frames.IsDrained)
            {
                if (!_frames.TryTake(TimeSpan.FromMilliseconds(100), CancellationToken.None, out var frame))
                {
                    continue;
                }

                try
                {
                    Inspect(frame);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A frame that breaks the model must not stop the station: count it, log it, go on.
                    _counters.InferenceFailed();
                    _setup.Metrics?.RecordInferenceFailure(InferenceFailure.Failed);
                    _logger.LogError(e, "Inspection of frame {Seq} failed", frame.Seq);
                }
                finally
                {
                    frame.Release();
                }
            }
        }
        finally
        {
            _inferenceDone = true;
        }
    }

    private void Inspect(Frame frame)
    {
        var policy = Volatile.Read(ref _policy);
        var partSeq = _partSeq.Next();
        var partId = PartIds.Format(_setup.Station.Name, _setup.BootEpochMs, partSeq);
        var truth = _setup.GroundTruth?.ForSeq(frame.Seq);

        using var active = _setup.Models.AcquireActive();
        var model = active.Model ?? throw new InvalidOperationException("no active model is loaded");
        var roi = ToRoi(model.Manifest.Input.Roi);
        var metrics = roi.FitsIn(frame.Width, frame.Height) ? InputMetricsCalculator.Compute(frame, roi) : default;

        var prediction = model.Predict(frame);
        var output = ToOutputRecord(model.Manifest, prediction);
        var summary = new ModelSummary(prediction.Decision, prediction.Uncertain);

        CandidateRecord? candidate = null;
        using (var shadow = _setup.Models.AcquireCandidate())
        {
            if (shadow.Model is { } candidateModel)
            {
                var candidatePrediction = candidateModel.Predict(frame);
                var agrees = candidatePrediction.Decision == prediction.Decision;
                candidate = new CandidateRecord(ToModelRef(candidateModel.Identity), ToOutputRecord(candidateModel.Manifest, candidatePrediction), agrees);
                Interlocked.Increment(ref _modelVsModelParts);
                if (agrees)
                {
                    Interlocked.Increment(ref _modelVsModelAgree);
                }
            }
        }

        lock (_statsGate)
        {
            _drift?.ObserveFrame(metrics, frame.Seq, frame.UtcTimestamp);
            _drift?.ObservePrediction(prediction.DefectScore, frame.Seq, frame.UtcTimestamp);
        }

        FlushTransitions();
        if (_setup.Metrics is { } instruments)
        {
            instruments.RecordFrame(frame.CameraId);
            instruments.RecordInput(frame.CameraId, metrics);
            instruments.RecordStage("preprocess", prediction.PreprocessTime);
            instruments.RecordStage("inference", prediction.InferenceTime);
            instruments.RecordPrediction(output.Probabilities is null ? null : prediction.ClassIndex, prediction.DefectScore, prediction.Decision == Verdict.Fail, prediction.Uncertain);
        }

        _counters.PartInspected(prediction.PreprocessTime, prediction.InferenceTime, prediction.Decision == Verdict.Fail, prediction.Uncertain);

        var routing = policy.Route(partId, summary);
        var outputs = _setup.Outputs;
        outputs.ShowSuggestion(routing.Suggestion);
        outputs.SetNeedsHuman(routing.NeedsHumanLamp);

        var part = new PendingPart
        {
            PartId = partId,
            PartSeq = partSeq,
            Policy = policy,
            Routing = routing,
            Summary = summary,
            Frame = new FrameRecord(frame.Seq, frame.Trigger, frame.TriggerId, frame.UtcTimestamp, default, 0),
            CaptureTimestamp = frame.MonotonicTimestamp,
            Camera = CameraRecord.From(frame.CameraId, frame.Settings),
            Model = ToModelRef(model.Identity),
            Output = output,
            Candidate = candidate,
            Metrics = metrics,
            TrueClass = truth?.ClassName,
            PreprocessTime = prediction.PreprocessTime,
            InferenceTime = prediction.InferenceTime,
        };

        if (_setup.ThumbnailMislabelled && truth is { } label && label.ClassName != prediction.ClassName)
        {
            part.Thumbnail = _setup.EncodeJpeg(frame);
        }

        if (!routing.WaitForHuman)
        {
            part.EarlyOutcome = policy.Decide(routing, summary, null);
            Actuate(part.EarlyOutcome.Value);
        }

        var reasons = _samplePolicy.Select(partId, agreement: null, prediction.Uncertain);
        var keepFrameForLater = routing.AskHuman && _setup.SamplesEnabled && _setup.SamplesOptions.SaveDisagreements
            && _setup.Pool.Available > _setup.Pool.Count / 2;
        if (_setup.SamplesEnabled && reasons != SampleReasons.None)
        {
            part.SampleJpeg = _setup.EncodeJpeg(frame);
        }
        else if (keepFrameForLater)
        {
            part.HeldFrame = frame.AddRef();
        }

        if (routing.AskHuman)
        {
            _join.Enqueue(partId, part, frame.MonotonicTimestamp);
            foreach (var join in _joinsByPosition.Values)
            {
                if (!ReferenceEquals(join, _join))
                {
                    join.Enqueue(partId, part, frame.MonotonicTimestamp);
                }
            }

            if (_setup.Inspector is IPartPresenter presenter)
            {
                // A scripted inspector answers from ground truth; without labels it can only echo the model.
                presenter.Present(partId, truth?.Verdict ?? prediction.Decision, _time.GetTimestamp());
            }
        }
        else
        {
            Complete(part, null);
        }
    }

    private async Task RunJoinAsync()
    {
        var presses = _setup.Inspector.Presses;
        var joins = _joinsByPosition.Count == 0 ? [_join] : _joinsByPosition.Values.Distinct().ToArray();
        var timedOut = new List<JoinedVerdict<PendingPart>>();
        while (true)
        {
            var pending = joins.Sum(j => j.Counters.Pending);
            if (_inferenceDone && pending == 0)
            {
                return;
            }

            var wait = TimeSpan.FromMilliseconds(50);
            foreach (var join in joins)
            {
                if (join.NextDeadline is { } deadline)
                {
                    var left = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
                    wait = left < wait ? (left < TimeSpan.Zero ? TimeSpan.Zero : left) : wait;
                }
            }

            try
            {
                await presses.WaitToReadAsync().AsTask().WaitAsync(wait, _time);
            }
            catch (TimeoutException)
            {
                // A deadline or a poll of the stop condition; handled below.
            }
            catch (ChannelClosedException)
            {
            }

            while (presses.TryRead(out var press))
            {
                var join = _joinsByPosition.TryGetValue(press.Position, out var own) ? own : _join;
                if (join.OnPress(press, out var joined))
                {
                    if (joined.Part.Completed)
                    {
                        RecordSecondOpinion(joined.Part, joined);
                    }
                    else
                    {
                        Complete(joined.Part, joined);
                    }
                }
            }

            foreach (var join in joins)
            {
                timedOut.Clear();
                join.CollectTimedOut(timedOut);
                foreach (var expired in timedOut)
                {
                    // A part times out once: when no position answered. A second position's silence changes nothing.
                    if (!expired.Part.Completed)
                    {
                        Complete(expired.Part, expired);
                    }
                }
            }

            if (presses.Completion.IsCompleted && _inferenceDone)
            {
                // No inspector left to answer: the remaining parts can only time out.
                await Task.Delay(TimeSpan.FromMilliseconds(20), _time);
            }
        }
    }

    /// <summary>A second inspector judged a part another already decided: inter-inspector agreement.</summary>
    private void RecordSecondOpinion(PendingPart part, JoinedVerdict<PendingPart> second)
    {
        if (part.FirstHuman is not { Verdict: Verdict.Pass or Verdict.Fail } first || second.Verdict is not (Verdict.Pass or Verdict.Fail))
        {
            return;
        }

        lock (_statsGate)
        {
            _agreement.RecordInterInspector(first.InspectorId, first.Verdict!.Value, second.Press.InspectorId, second.Verdict!.Value);
        }
    }

    private void Complete(PendingPart part, JoinedVerdict<PendingPart>? joined)
    {
        part.Completed = true;
        var human = joined?.Verdict;
        var outcome = part.Policy.Decide(part.Routing, part.Summary, human);
        if (part.Routing.WaitForHuman)
        {
            Actuate(outcome);
        }
        else if (part.EarlyOutcome is { } early)
        {
            // The model decided at once; the audit verdict only adds the agreement.
            outcome = early with { Agreement = outcome.Agreement };
        }

        var decisionUtc = _time.GetUtcNow();
        var captureToDecision = _time.GetElapsedTime(part.CaptureTimestamp);
        HumanRecord? humanRecord = null;
        if (joined is { } j)
        {
            var timedOutPart = j.Outcome != JoinOutcome.Labeled;
            humanRecord = new HumanRecord(j.Press.InspectorId, j.Press.Position, j.Verdict, timedOutPart, j.HumanLatency.TotalMilliseconds, part.Routing.IsAudit);
            part.FirstHuman = humanRecord;
            RecordAgreement(part, humanRecord);
        }

        var record = new InspectionRecord(
            _setup.Station.DeviceId,
            _setup.BootEpochMs,
            part.PartSeq,
            decisionUtc,
            new StationRef(_setup.Station.Site, _setup.Station.Area, _setup.Station.Line, _setup.Station.Name),
            part.PartId,
            part.Camera,
            part.Frame with { DecisionUtc = decisionUtc, CaptureToDecisionMs = captureToDecision.TotalMilliseconds },
            part.Model,
            part.Routing.Mode.ToString().ToLowerInvariant(),
            _setup.Station.ConfigRevision,
            part.Output,
            humanRecord,
            OutcomeRecord.From(outcome, part.Routing))
        {
            Candidate = part.Candidate,
            Input = ToInputRecord(part.Metrics),
        };

        record = SaveSample(part, record, outcome.Agreement);
        _counters.PartDecided(outcome.DecidedBy, outcome.Decision);
        _setup.Metrics?.RecordStage("capture_to_decision", captureToDecision);
        Emit(new CompletedPart(record, part.Metrics, part.TrueClass, part.PreprocessTime, part.InferenceTime, captureToDecision, part.Thumbnail));
    }

    private void RecordAgreement(PendingPart part, HumanRecord human)
    {
        if (human.Verdict is not (Verdict.Pass or Verdict.Fail))
        {
            return;
        }

        PromotionEvaluation? ready = null;
        AutomationMode? fallback = null;
        string? fallbackBy = null;
        lock (_statsGate)
        {
            _agreement.RecordPart(human.InspectorId, part.Camera.Id, part.Summary.Verdict, human.Verdict);
            if (part.Candidate is { } candidate)
            {
                _candidateAgreement.RecordPart(human.InspectorId, part.Camera.Id, candidate.Output.Verdict, human.Verdict);
            }

            _drift?.ObserveAgreement(human.Verdict != part.Summary.Verdict, part.Frame.Seq, _time.GetUtcNow());
            var (evaluation, transition) = _gate.Observe(_candidateOrActiveCounts());
            if (transition == GateTransition.BecameReady)
            {
                ready = evaluation;
            }
        }

        FlushTransitions(ref fallback, ref fallbackBy);
        if (ready is not null)
        {
            var subject = _setup.Models.Candidate is { } c ? $"candidate {c.Identity}" : $"{Mode} mode with {_setup.Models.Active?.Identity}";
            TryEmit(new EventBody("promotion-ready", $"promotion gate met for {subject}", GateDetail(ready)));
            if (_gate.AutoPromote && _setup.Models.Candidate is not null)
            {
                Promote("promotion gate (auto)");
            }
        }

        if (fallback is { } mode && mode != Mode)
        {
            SetMode(mode, ModeChangeSource.AlertFallback, fallbackBy!, "alert fallback policy");
        }
    }

    private ConfusionCounts _candidateOrActiveCounts() =>
        _setup.Models.Candidate is null ? _agreement.Cumulative : _candidateAgreement.Cumulative;

    private void FlushTransitions()
    {
        AutomationMode? fallback = null;
        string? by = null;
        FlushTransitions(ref fallback, ref by);
        if (fallback is { } mode && mode != Mode)
        {
            SetMode(mode, ModeChangeSource.AlertFallback, by!, "alert fallback policy");
        }
    }

    private void FlushTransitions(ref AutomationMode? fallback, ref string? fallbackBy)
    {
        lock (_statsGate)
        {
            if (_drift is null || _drift.DrainTransitions(_transitions) == 0)
            {
                return;
            }

            foreach (var transition in _transitions)
            {
                _setup.Metrics?.RecordAlert(transition);
                Emit(transition);
                if (transition.To == AlertState.Alert && !transition.IsRepeat && _gate.FallbackFor(transition.Name, Mode) is { } mode)
                {
                    fallback = mode;
                    fallbackBy = transition.Name;
                }
            }

            _transitions.Clear();
        }
    }

    private InspectionRecord SaveSample(PendingPart part, InspectionRecord record, bool? agreement)
    {
        try
        {
            if (!_setup.SamplesEnabled)
            {
                return record;
            }

            var reasons = _samplePolicy.Select(part.PartId, agreement, part.Summary.Uncertain);
            if (reasons == SampleReasons.None)
            {
                return record;
            }

            var jpeg = part.SampleJpeg;
            if (jpeg is null && part.HeldFrame is { } held)
            {
                jpeg = _setup.EncodeJpeg(held);
            }

            if (jpeg is null)
            {
                _counters.SampleSkipped();
                return record;
            }

            var withPath = record with { SamplePath = Samples.SampleWriter.RelativePathFor(part.PartId) };
            if (_setup.SampleWriter?.TryEnqueue(part.PartId, jpeg, withPath) == true)
            {
                part.Thumbnail ??= jpeg;
                return withPath;
            }

            _counters.SampleSkipped();
            return record;
        }
        finally
        {
            part.HeldFrame?.Release();
            part.HeldFrame = null;
        }
    }

    private void Actuate(PartOutcome outcome)
    {
        if (outcome.Actuation == Actuation.Reject)
        {
            _setup.Outputs.PulseReject();
        }
    }

    private void OnActiveChanged()
    {
        lock (_statsGate)
        {
            _agreement.StartMode(Mode);
            _gate.Reset();
            _drift = CreateDriftMonitor();
        }
    }

    private DriftMonitor? CreateDriftMonitor()
    {
        var manifest = _setup.Models.Active?.Manifest;
        if (manifest?.Baseline is not { } json)
        {
            _logger.LogWarning("The active model package has no drift baseline: data-drift alerts are off (run `edgeinspect baseline`)");
            return null;
        }

        return new DriftMonitor(_setup.Capture.CameraId, DriftBaseline.FromJson(json), _setup.Monitoring);
    }

    private void OnCaptureEvent(CaptureEvent e)
    {
        _counters.CaptureEvent(e.Kind);
        var level = e.IsAlert ? LogLevel.Warning : LogLevel.Information;
        _logger.Log(level, "Capture {Kind}: {Message}", e.Kind, e.Message);
        if (e.IsAlert || e.Kind is CaptureEventKind.CameraRecovered or CaptureEventKind.FrozenStreamCleared)
        {
            TryEmit(e);
        }
        else if (e.Kind is not CaptureEventKind.FrameCorrupt)
        {
            TryEmit(new EventBody("capture-" + e.Kind.ToString().ToLowerInvariant(), e.Message, Detail("camera", e.CameraId, "lastSeq", e.LastSeq.ToString(CultureInfo.InvariantCulture))));
        }
    }

    private async Task PublishMetricsPeriodicallyAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(_setup.MetricsInterval, _time, cancellationToken);
                TryEmit(BuildMetrics());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private MetricsBody BuildMetrics()
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        _counters.WriteTo(values);
        values["pipeline.queue.depth"] = _frames.Depth;
        values["pipeline.queue.dropped_oldest"] = _frames.Dropped;
        var join = _join.Counters;
        values["verdict_join.pending"] = join.Pending;
        values["verdict_join.labeled"] = join.Labeled;
        values["verdict_join.timed_out"] = join.TimedOut;
        values["verdict_join.orphan_presses"] = join.OrphanPresses;
        if (_capture?.Counters is { } capture)
        {
            values["capture.frames"] = capture.FramesDelivered;
            values["capture.dropped.pool_exhausted"] = capture.DroppedPoolExhausted;
            values["capture.corrupt_skipped"] = capture.CorruptSkipped;
        }

        var mvmParts = Interlocked.Read(ref _modelVsModelParts);
        if (mvmParts > 0)
        {
            values["model_vs_model.parts"] = mvmParts;
            values["model_vs_model.agreement"] = (double)Interlocked.Read(ref _modelVsModelAgree) / mvmParts;
        }

        AgreementSnapshot snapshot;
        lock (_statsGate)
        {
            snapshot = _agreement.Snapshot();
        }

        WriteFigures(values, "agreement.model_vs_human", snapshot.ModelVsHuman.Cumulative);
        WriteFigures(values, "agreement.model_vs_human.window", snapshot.ModelVsHuman.Window);
        foreach (var (inspector, figures) in snapshot.ByInspector)
        {
            WriteFigures(values, $"agreement.by_inspector.{inspector}", figures.Cumulative);
        }

        foreach (var (camera, figures) in snapshot.ByCamera)
        {
            WriteFigures(values, $"agreement.by_camera.{camera}", figures.Cumulative);
        }

        foreach (var inter in snapshot.InterInspector)
        {
            WriteFigures(values, $"agreement.inter_inspector.{inter.InspectorA}.{inter.InspectorB}", inter.Figures);
        }

        if (_setup.Metrics is { } instruments)
        {
            lock (_metricsGate)
            {
                Flatten(values, "", instruments.TakeSnapshot().ToJson());
            }
        }

        _setup.ExtraMetrics?.Invoke(values);
        return new MetricsBody(values);
    }

    /// <summary>Puts every numeric leaf of the monitoring snapshot into the flat metrics body under its dotted path.</summary>
    private static void Flatten(Dictionary<string, double> values, string prefix, System.Text.Json.Nodes.JsonNode? node)
    {
        switch (node)
        {
            case System.Text.Json.Nodes.JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    Flatten(values, prefix.Length == 0 ? key : $"{prefix}.{key}", child);
                }

                break;
            case System.Text.Json.Nodes.JsonValue value when value.TryGetValue<double>(out var number) && double.IsFinite(number):
                values[prefix] = number;
                break;
            case System.Text.Json.Nodes.JsonValue value when value.TryGetValue<long>(out var whole):
                values[prefix] = whole;
                break;
            case System.Text.Json.Nodes.JsonValue value when value.TryGetValue<int>(out var small):
                values[prefix] = small;
                break;
        }
    }

    private static void WriteFigures(Dictionary<string, double> values, string prefix, AgreementFigures figures)
    {
        values[prefix + ".parts"] = figures.Parts;
        Put(values, prefix + ".agreement", figures.Agreement);
        Put(values, prefix + ".agreement.lower95", figures.AgreementInterval95?.Lower);
        Put(values, prefix + ".agreement.upper95", figures.AgreementInterval95?.Upper);
        Put(values, prefix + ".kappa", figures.Kappa);
        Put(values, prefix + ".defect_precision", figures.DefectPrecision);
        Put(values, prefix + ".defect_recall", figures.DefectRecall);
        Put(values, prefix + ".defect_recall.lower95", figures.DefectRecallInterval95?.Lower);
    }

    private static void Put(Dictionary<string, double> values, string key, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            values[key] = v;
        }
    }

    private void Emit(object item)
    {
        // The sink channel is bounded: when the outbox applies back-pressure, the pipeline threads wait here.
        while (!_out.Writer.TryWrite(item))
        {
            if (!_out.Writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult())
            {
                return;
            }
        }
    }

    private void TryEmit(object item)
    {
        if (!_out.Writer.TryWrite(item))
        {
            // Events and metrics never block a command or the capture thread; a full sink queue means a late snapshot.
            _counters.EventDropped();
        }
    }

    private ValueTask EmitAsync(object item) => _out.Writer.WriteAsync(item);

    private async Task WriteOutAsync(CancellationToken cancellationToken)
    {
        await foreach (var item in _out.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                switch (item)
                {
                    case CompletedPart part:
                        await _setup.Sink.PartAsync(part, cancellationToken);
                        break;
                    case AlertTransition transition:
                        await _setup.Sink.AlertAsync(transition, cancellationToken);
                        break;
                    case CaptureEvent captureAlert:
                        await _setup.Sink.CaptureAlertAsync(captureAlert, cancellationToken);
                        break;
                    case EventBody body:
                        await _setup.Sink.EventAsync(body, cancellationToken);
                        break;
                    case MetricsBody metrics:
                        await _setup.Sink.MetricsAsync(metrics, cancellationToken);
                        break;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _counters.SinkFailed();
                _logger.LogError(e, "Writing {Item} to the sink failed", item.GetType().Name);
            }
        }
    }

    private static ModelRef ToModelRef(ModelIdentity identity) => new(identity.Name, identity.Version, identity.Sha256);

    private static RegionOfInterest ToRoi(PixelRect roi) => new(roi.X, roi.Y, roi.Width, roi.Height);

    private static ModelOutputRecord ToOutputRecord(ModelManifest manifest, Prediction prediction)
    {
        var isClasses = manifest.Output.Kind == OutputKind.ClassProbabilities;
        double[]? probabilities = null;
        if (isClasses)
        {
            var outputs = prediction.Outputs.Span;
            probabilities = new double[outputs.Length];
            for (var i = 0; i < outputs.Length; i++)
            {
                probabilities[i] = Math.Round(outputs[i], 6);
            }
        }

        return new ModelOutputRecord(
            isClasses ? prediction.ClassName : null,
            Math.Round(prediction.DefectScore, 6),
            probabilities,
            prediction.Decision,
            prediction.Uncertain,
            (prediction.PreprocessTime + prediction.InferenceTime).TotalMilliseconds);
    }

    private static InputStatisticsRecord? ToInputRecord(in InputMetrics m) =>
        m == default ? null : new InputStatisticsRecord(
            Math.Round(m.Brightness, 3), Math.Round(m.Contrast, 3), Math.Round(m.Sharpness, 3), Math.Round(m.DarkClippedFraction, 5),
            Math.Round(m.BrightClippedFraction, 5), Math.Round(m.MeanBlue, 3), Math.Round(m.MeanGreen, 3), Math.Round(m.MeanRed, 3));

    private static Dictionary<string, string> Detail(params string[] pairs)
    {
        var detail = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            detail[pairs[i]] = pairs[i + 1];
        }

        return detail;
    }

    private Dictionary<string, string> IdentityDetail(string slot, ModelIdentity identity, string by) =>
        Detail("slot", slot, "name", identity.Name, "version", identity.Version, "sha256", identity.Sha256, "by", by, "configRevision", _setup.Station.ConfigRevision);

    private static Dictionary<string, string> GateDetail(PromotionEvaluation evaluation)
    {
        var detail = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var criterion in evaluation.Criteria)
        {
            detail[criterion.Criterion.ToString()] = criterion.Reason;
        }

        return detail;
    }
}
