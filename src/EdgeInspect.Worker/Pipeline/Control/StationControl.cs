using System.Threading.Channels;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Pipeline.Camera;
using EdgeInspect.Worker.Pipeline.Events;
using EdgeInspect.Worker.Pipeline.Incidents;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Quality;
using EdgeInspect.Worker.Pipeline.Sampling;

namespace EdgeInspect.Worker.Pipeline.Control;

/// <summary>Loads and self-tests a model package (ONNX in the station); throws <see cref="ModelPackageException"/> when refused.</summary>
public interface IModelLoader
{
    IInferenceModel Load(string packageFolder);

    /// <summary>
    /// Loads a candidate sent while the station serves. The ONNX loader first checks it in a child process
    /// (<see cref="ModelCheckProcess"/>), so a model that crashes ONNX Runtime cannot take the station with it.
    /// </summary>
    IInferenceModel LoadCandidate(string packageFolder) => Load(packageFolder);
}

/// <summary>
/// Station control: the one place the station's mode and models change. Commands (<see cref="StationCommands"/>),
/// station file reloads and the actions of station quality and of the incident stage all come here; each change is
/// published as a typed event.
/// </summary>
/// <remarks>
/// <para>Owns: the <see cref="AutomationState"/> routing reads, and the model slots' changes (load candidate, promote,
/// rollback). Quality's actions arrive on a queue and are applied by <see cref="RunAsync"/>; commands call in from the
/// command loop. Every method is safe from any thread and returns without waiting on the pipeline: a change takes
/// effect between two parts.</para>
/// <para><see cref="StatusChanged"/> tells the host's plant link that the mode or the active model changed (for the
/// retained status), after the change and outside any lock.</para>
/// </remarks>
public sealed class StationControl
{
    private readonly Channel<StationAction> _actions = Channel.CreateBounded<StationAction>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly AutomationState _state;
    private readonly IModelLoader _loader;
    private readonly QualityStage _quality;
    private readonly IncidentStage _incidents;
    private readonly SamplingStage _sampling;
    private readonly CameraStage _camera;
    private readonly MetricsStage _metrics;
    private readonly IInspectorInput _inspector;
    private readonly StationEvents _events;
    private readonly ILogger _logger;

    public StationControl(AutomationState state, ModelSlots<IInferenceModel> models, IModelLoader loader, QualityStage quality, IncidentStage incidents,
        SamplingStage sampling, CameraStage camera, MetricsStage metrics, IInspectorInput inspector, StationEvents events, ILogger<StationControl> logger)
    {
        _state = state;
        Models = models;
        _loader = loader;
        _quality = quality;
        _incidents = incidents;
        _sampling = sampling;
        _camera = camera;
        _metrics = metrics;
        _inspector = inspector;
        _events = events;
        _logger = logger;
    }

    /// <summary>The mode or the active model changed.</summary>
    public event Action? StatusChanged;

    /// <summary>Quality's actions come in here.</summary>
    public ChannelWriter<StationAction> Actions => _actions.Writer;

    public AutomationMode Mode => _state.Mode;

    public ModelSlots<IInferenceModel> Models { get; }

    /// <summary>The audit trail's first entry: the mode the station starts in. Waits for room: it is never dropped.</summary>
    public ValueTask PublishStartupAsync() =>
        _events.PublishAsync(new ModeChanged(_events.Now, null, Mode, ModeChangeSource.Startup, "startup", null, _state.Current.Records.ConfigRevision));

    /// <summary>Applies quality's actions until quality completes the queue.</summary>
    public async Task RunAsync()
    {
        await foreach (var action in _actions.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                Apply(action);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogError(e, "Applying {Action} failed", action);
            }
        }
    }

    /// <summary>Changes the automation mode between two parts; a part keeps the mode it was routed in.</summary>
    public void SetMode(AutomationMode mode, ModeChangeSource source, string changedBy, string? reason = null)
    {
        var (before, after) = _state.Change(s => s with { Policy = s.Policy.WithMode(mode) });
        _quality.ModeStarted(mode);
        _events.Publish(new ModeChanged(_events.Now, before.Policy.Mode, mode, source, changedBy, reason, after.Records.ConfigRevision));
        StatusChanged?.Invoke();
    }

    /// <summary>
    /// Loads a package into the candidate slot after its self-test (first in a child process, then here); a failure
    /// leaves every slot as it was.
    /// </summary>
    /// <exception cref="ModelPackageException">The package was refused, with every reason.</exception>
    public void LoadCandidate(string packageFolder, string requestedBy)
    {
        var model = _loader.LoadCandidate(packageFolder);
        Models.LoadCandidate(model);
        _quality.CandidateLoaded(Mode);
        _events.Publish(new CandidateLoaded(_events.Now, model.Identity, requestedBy, ConfigRevision));
    }

    /// <summary>Candidate becomes active, atomically between two frames; the old active stays loaded for rollback.</summary>
    public bool Promote(string requestedBy)
    {
        var candidate = Models.Candidate?.Identity;
        if (candidate is null || !Models.Promote())
        {
            return false;
        }

        _incidents.DetectorsReplaced(_quality.ActiveModelChanged(Mode, Models.Active?.Manifest), _events.Now);
        _events.Publish(new ModelPromoted(_events.Now, candidate, requestedBy, ConfigRevision));
        StatusChanged?.Invoke();
        return true;
    }

    /// <summary>The previous model becomes active again at once (it stayed loaded).</summary>
    public bool Rollback(string requestedBy)
    {
        if (!Models.Rollback())
        {
            return false;
        }

        var active = Models.Active!;
        _incidents.DetectorsReplaced(_quality.ActiveModelChanged(Mode, active.Manifest), _events.Now);
        _events.Publish(new ModelRolledBack(_events.Now, active.Identity, requestedBy, ConfigRevision));
        StatusChanged?.Invoke();
        return true;
    }

    /// <summary>
    /// Applies the hot-reloadable fields of a changed station file between two parts: the automation policy (mode,
    /// fractions, decision deadline), the config revision, the promotion criteria, the sampling rates and the drift
    /// thresholds.
    /// </summary>
    public void ApplyReload(StationConfig config)
    {
        var o = config.Options;
        var (before, _) = _state.Change(s => new AutomationSettings(
            new DecisionPolicy(o.Automation).WithMode(s.Policy.Mode), s.Records with { ConfigRevision = o.Station.ConfigRevision }));
        if (o.Automation.Mode != before.Policy.Mode)
        {
            SetMode(o.Automation.Mode, ModeChangeSource.ConfigReload, "config", "station file reloaded");
        }

        _sampling.ApplyReload(o.Samples);
        _quality.Reload(o.Promotion, config.Section<MonitoringOptions>("monitoring"));
        _incidents.Reload(o.Promotion);
        StatusChanged?.Invoke();
    }

    /// <summary>Changes a drift detector's threshold at runtime (by alert name, or by detector family).</summary>
    public bool SetDriftThreshold(string nameOrFamily, double threshold) => _quality.SetDriftThreshold(nameOrFamily, threshold);

    /// <summary>Who stands at an inspector position from now on; false for an unknown position.</summary>
    public bool SetInspector(string position, string inspectorId) => _inspector.TrySetInspector(position, inspectorId);

    /// <summary>One frame for one part, in triggered capture mode; false when the camera is free-running.</summary>
    public bool Trigger() => _camera.Trigger();

    /// <summary>Publishes a metrics snapshot now.</summary>
    public void PublishSnapshot() => _metrics.PublishNow();

    private string ConfigRevision => _state.Current.Records.ConfigRevision;

    private void Apply(StationAction action)
    {
        switch (action)
        {
            case FallBackToShadow fallback when Mode != AutomationMode.Shadow:
                SetMode(AutomationMode.Shadow, ModeChangeSource.AlertFallback, fallback.Alert, fallback.Reason);
                break;
            case FallBackOnIncident incident when Mode != AutomationMode.Shadow:
                _logger.LogWarning("Falling back to shadow on incident {Incident} ({Diagnosis}): {Reason}", incident.IncidentId, incident.Diagnosis, incident.Reason);
                SetMode(AutomationMode.Shadow, ModeChangeSource.IncidentFallback, incident.IncidentId, incident.Reason);
                break;
            case PromotionReady ready:
                var subject = Models.Candidate is { } candidate ? $"candidate {candidate.Identity}" : $"{Mode} mode with {Models.Active?.Identity}";
                _events.Publish(new PromotionGateMet(_events.Now, subject, ready.Evaluation));
                if (ready.AutoPromote && Models.Candidate is not null)
                {
                    Promote("promotion gate (auto)");
                }

                break;
        }
    }
}
