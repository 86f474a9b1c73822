using System.Text.Json;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>What the edge node reads from the station when it needs to, beyond what the station's sink hands it.</summary>
/// <param name="ActiveModel">The active model now.</param>
/// <param name="CandidateModel">The candidate model now, or null.</param>
/// <param name="PromotionReady">The promotion gate's evaluation now; null when unknown.</param>
/// <param name="OpenIncidents">Open incidents now, from the station's incident stage; null where there is none.</param>
internal sealed record StationReadings(
    Func<ModelIdentity?> ActiveModel,
    Func<ModelIdentity?> CandidateModel,
    Func<bool?> PromotionReady,
    Func<int?> OpenIncidents);

/// <summary>
/// Feeds the edge node from today's station output (<see cref="IStationSink"/>): parts become Result DDATA, metrics
/// snapshots the node's figures, mode and model events its Mode and Model metrics, drift alert transitions its drift
/// metrics, camera-down and recovered its device deaths and births. This adapter is the node's only tie to the
/// pipeline; a new composition feeds the same <see cref="SparkplugEdgeNode"/> Report* methods.
/// </summary>
/// <remarks>
/// Called from the pipeline's one writer task, after the JSON outbox sink (TeeSink). Writes are pipelined, like the
/// outbox sink's: up to <see cref="MaxInFlight"/> records wait for their group commit at once; <see cref="DrainAsync"/>
/// waits for all of them.
/// </remarks>
internal sealed class SparkplugStationSink(SparkplugEdgeNode node, StationReadings readings, TimeProvider time) : IStationSink
{
    public const int MaxInFlight = 256;

    private readonly Queue<Task> _inFlight = new();

    public SparkplugEdgeNode Node => node;

    public async ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken) => await TrackAsync(node.ReportPartAsync(ToResult(part.Record)));

    public async ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken) =>
        await TrackAsync(node.ReportDriftAsync(transition.Name, transition.Distance, transition.To.ToString().ToLowerInvariant(), transition.At));

    public async ValueTask CaptureAlertAsync(CaptureEvent alert, CancellationToken cancellationToken)
    {
        if (alert.Kind is CaptureEventKind.CameraDown or CaptureEventKind.CameraRecovered)
        {
            await TrackAsync(node.ReportCameraAsync(alert.CameraId, alert.Kind == CaptureEventKind.CameraRecovered, time.GetUtcNow()));
        }
    }

    /// <summary>Each raised, updated or cleared incident refreshes the node's count of open incidents.</summary>
    public async ValueTask IncidentAsync(IncidentEvent incident, CancellationToken cancellationToken)
    {
        if (readings.OpenIncidents() is { } open)
        {
            await TrackAsync(node.ReportOpenIncidentsAsync(open, incident.At));
        }
    }

    public async ValueTask EventAsync(StationEvent stationEvent, CancellationToken cancellationToken)
    {
        switch (stationEvent)
        {
            case ModeChanged mode:
                await TrackAsync(node.ReportModeAsync(mode.To.ToName(), mode.Utc));
                break;
            case CandidateLoaded or ModelPromoted or ModelRolledBack:
                await TrackAsync(node.ReportModelsAsync(readings.ActiveModel(), readings.CandidateModel(), stationEvent.Utc));
                break;
        }
    }

    public async ValueTask MetricsAsync(MetricsBody body, CancellationToken cancellationToken) =>
        await TrackAsync(node.ReportFiguresAsync(ToFigures(body.Values, readings), time.GetUtcNow()));

    /// <summary>Waits until every record handed over so far is on disk.</summary>
    public async ValueTask DrainAsync()
    {
        while (_inFlight.TryDequeue(out var write))
        {
            await write;
        }
    }

    /// <summary>The names of a drift monitor's detectors for this model and camera, so the first birth declares their metrics.</summary>
    public static IReadOnlyList<string> DriftDetectors(ModelManifest? manifest, string cameraId, MonitoringOptions monitoring)
    {
        if (manifest?.Baseline is not { } json)
        {
            return [];
        }

        try
        {
            return [.. new DriftMonitor(cameraId, DriftBaseline.FromJson(json), monitoring).AlertNames.Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is ArgumentException or FormatException or JsonException or InvalidOperationException)
        {
            // The pipeline reports a bad baseline itself; the node then learns detector names from their first transition.
            return [];
        }
    }

    /// <summary>The node's figures from the station's flat metrics snapshot (docs/mqtt.md, "metrics").</summary>
    public static StationFigures ToFigures(IReadOnlyDictionary<string, double> values, StationReadings readings)
    {
        double? Get(string key) => values.TryGetValue(key, out var v) && double.IsFinite(v) ? v : null;
        long? Count(string key) => Get(key) is { } v ? (long)Math.Round(v) : null;

        var fps = new Dictionary<string, double>(StringComparer.Ordinal);
        var stages = new Dictionary<string, StageLatency>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if (key.StartsWith("fps.", StringComparison.Ordinal) && double.IsFinite(value))
            {
                fps[key["fps.".Length..]] = value;
            }
            else if (key.StartsWith("stages.", StringComparison.Ordinal) && key.EndsWith(".p50_ms", StringComparison.Ordinal))
            {
                var stage = key["stages.".Length..^".p50_ms".Length];
                stages[stage] = new StageLatency(Get(key), Get($"stages.{stage}.p99_ms"));
            }
        }

        const string Agreement = "agreement.model_vs_human";
        return new StationFigures
        {
            FramesPerSecond = fps,
            Stages = stages,
            PartsInspected = Count("pipeline.parts.inspected"),
            PartsPass = Count("pipeline.decisions.pass"),
            PartsFail = Count("pipeline.decisions.fail"),
            PartsNoDecision = Count("pipeline.decisions.no_decision"),
            Agreement = Get($"{Agreement}.agreement"),
            AgreementLower95 = Get($"{Agreement}.agreement.lower95"),
            AgreementUpper95 = Get($"{Agreement}.agreement.upper95"),
            Kappa = Get($"{Agreement}.kappa"),
            AgreementParts = Count($"{Agreement}.parts"),
            PromotionGate = readings.PromotionReady() switch
            {
                true => "ready",
                false => "not ready",
                null => null,
            },
            OpenIncidents = readings.OpenIncidents(),
            OutboxDepth = Count("outbox.depth"),
            OutboxDroppedMetrics = Count("outbox.dropped_metrics"),
            LinkReconnects = Count("link.reconnects"),
        };
    }

    /// <summary>A part's provenance envelope as the result the node publishes.</summary>
    public static PartResult ToResult(InspectionRecord record) => new(
        record.Camera.Id,
        record.PartId,
        record.ModelOutput?.Class,
        record.ModelOutput?.Score,
        JsonNamingPolicy.CamelCase.ConvertName(record.Outcome.Decision.ToString()),
        JsonNamingPolicy.CamelCase.ConvertName(record.Outcome.DecidedBy.ToString()),
        record.Human switch
        {
            null => null,
            { TimedOut: true } => "timeout",
            { Verdict: { } verdict } => JsonNamingPolicy.CamelCase.ConvertName(verdict.ToString()),
            _ => null,
        },
        record.Frame.CaptureUtc,
        record.Frame.DecisionUtc);

    private async ValueTask TrackAsync(ValueTask<long> write)
    {
        if (write.IsCompletedSuccessfully)
        {
            return;
        }

        _inFlight.Enqueue(write.AsTask());
        if (_inFlight.Count >= MaxInFlight)
        {
            await DrainAsync();
        }
    }
}
