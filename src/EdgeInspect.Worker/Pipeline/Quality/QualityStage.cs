using System.Threading.Channels;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Statistics;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Incidents;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Output;
using EdgeInspect.Worker.Pipeline.Routing;
using EdgeInspect.Worker.Telemetry;

namespace EdgeInspect.Worker.Pipeline.Quality;

/// <summary>
/// Station quality: feeds every decision, audit and second opinion to <see cref="StationQuality"/>, publishes the part
/// and the alert transitions it caused, hands those transitions (with the drift monitor's evidence) and the passing of
/// frame time to the incident stage, and the actions it returns (fall back to shadow, promotion ready) to station
/// control.
/// </summary>
/// <remarks>
/// <para>Owns: <see cref="StationQuality"/> behind a lock that is held only while it computes. The lock is released
/// before this stage waits for room in the output queue or control's queue, so a reader of
/// <see cref="AgreementSnapshot"/> or <see cref="PromotionEvaluation"/> (a command, the metrics stage, a demo sink) is
/// never held behind a full queue: the deadlock of the single-class pipeline, where a lock was held while a bounded
/// write waited, cannot happen here.</para>
/// </remarks>
public sealed class QualityStage : IMetricsSource
{
    private readonly Channel<PartMessage> _input;
    private readonly Lock _gate = new();
    private readonly StationQuality _quality;
    private readonly QualityOutcome _outcome = new();
    private readonly AutomationState _state;
    private readonly ModelSlots<IInferenceModel> _models;
    private readonly OutputStage _output;
    private readonly PipelineMetrics _instruments;
    private readonly TimeProvider _time;
    private DateTimeOffset _lastTick = DateTimeOffset.MinValue;

    public QualityStage(AutomationState state, ModelSlots<IInferenceModel> models, PromotionOptions promotion, MonitoringOptions monitoring, CaptureOptions capture,
        OutputStage output, PipelineMetrics instruments, PipelineOptions options, TimeProvider time, ILogger<QualityStage> logger)
    {
        _state = state;
        _models = models;
        _output = output;
        _instruments = instruments;
        _time = time;
        _quality = new StationQuality(state.Mode, promotion, monitoring, options.AgreementWindowParts, capture.CameraId, models.Active?.Manifest, time);
        if (!_quality.HasDriftMonitor)
        {
            logger.LogWarning("The active model package has no drift baseline: data-drift alerts are off (run `edgeinspect baseline`)");
        }

        _input = Channel.CreateBounded<PartMessage>(new BoundedChannelOptions(options.StageQueue) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    }

    /// <summary>Sampling hands every part message on to here.</summary>
    public ChannelWriter<PartMessage> Input => _input.Writer;

    /// <summary>
    /// Publishes every part and alert, hands transitions to the incident stage and actions to control, until sampling
    /// completes its queue; then completes the incident stage's queue (which completes control's after it).
    /// </summary>
    public async Task RunAsync(ChannelWriter<StationAction> control, ChannelWriter<IncidentInput> incidents)
    {
        try
        {
            await foreach (var message in _input.Reader.ReadAllAsync(CancellationToken.None))
            {
                _outcome.Clear();
                lock (_gate)
                {
                    _quality.Observe(message, _state.Mode, _models.Candidate is not null, _time.GetUtcNow(), _outcome);
                }

                // Outside the lock from here: these writes may wait for room.
                foreach (var alert in _outcome.Alerts)
                {
                    _instruments.RecordAlert(alert);
                    await _output.WriteAsync(StationOutput.Of(alert));
                }

                switch (message)
                {
                    case DecidedPart decided:
                        await _output.WriteAsync(StationOutput.Of(decided.Part));
                        break;
                    case AuditedPart audited:
                        await _output.WriteAsync(StationOutput.Of(audited.Audit));
                        break;
                }

                // After the alerts are queued for the sinks: an incident never reaches them before its members.
                if (_outcome.Alerts.Count > 0)
                {
                    await incidents.WriteAsync(new AlertsObserved(_outcome.Alerts.ToArray(), _outcome.Evidence, _outcome.Generation));
                }
                else if (_outcome.FrameTime is { } at && at - _lastTick >= IncidentStage.TickInterval)
                {
                    _lastTick = at;
                    await incidents.WriteAsync(new FrameTimePassed(at, _outcome.Generation));
                }

                foreach (var action in _outcome.Actions)
                {
                    await control.WriteAsync(action);
                }
            }
        }
        finally
        {
            incidents.TryComplete();
        }
    }

    public AgreementSnapshot AgreementSnapshot()
    {
        lock (_gate)
        {
            return _quality.Agreement();
        }
    }

    /// <summary>The promotion gate now: the candidate's counts when one is loaded, else the active model's.</summary>
    public PromotionEvaluation PromotionEvaluation()
    {
        lock (_gate)
        {
            return _quality.Promotion(_models.Candidate is not null);
        }
    }

    internal void ModeStarted(AutomationMode mode)
    {
        lock (_gate)
        {
            _quality.ModeStarted(mode);
        }
    }

    internal void CandidateLoaded(AutomationMode mode)
    {
        lock (_gate)
        {
            _quality.CandidateLoaded(mode);
        }
    }

    /// <returns>The new drift monitor's generation (for the incident stage).</returns>
    internal long ActiveModelChanged(AutomationMode mode, ModelManifest? active)
    {
        lock (_gate)
        {
            return _quality.ActiveModelChanged(mode, active);
        }
    }

    internal void Reload(PromotionOptions promotion, MonitoringOptions monitoring)
    {
        lock (_gate)
        {
            _quality.Reload(promotion, monitoring);
        }
    }

    internal bool SetDriftThreshold(string nameOrFamily, double threshold)
    {
        lock (_gate)
        {
            return _quality.SetDriftThreshold(nameOrFamily, threshold);
        }
    }

    public void WriteTo(IDictionary<string, double> values)
    {
        AgreementSnapshot snapshot;
        (long Parts, double? Agreement) modelVsModel;
        lock (_gate)
        {
            snapshot = _quality.Agreement();
            modelVsModel = _quality.ModelVsModel();
        }

        if (modelVsModel.Parts > 0)
        {
            values["model_vs_model.parts"] = modelVsModel.Parts;
            values["model_vs_model.agreement"] = modelVsModel.Agreement!.Value;
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

        values["pipeline.queue.quality"] = _input.Reader.Count;
    }

    private static void WriteFigures(IDictionary<string, double> values, string prefix, AgreementFigures figures)
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

    private static void Put(IDictionary<string, double> values, string key, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            values[key] = v;
        }
    }
}
