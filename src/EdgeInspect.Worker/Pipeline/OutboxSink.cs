using System.Globalization;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Link;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// Writes the pipeline's output into the durable outbox: results, audit verdicts, alert transitions with retained
/// state, events, metrics. Results are written before they are published; the link service moves them to the broker.
/// </summary>
/// <remarks>
/// Writes are pipelined: up to <see cref="MaxInFlight"/> records wait for their group commit at once, so throughput
/// is not bound by one fsync per record. When the outbox nears its cap, in-flight writes are awaited first, so the
/// back-pressure of a full outbox reaches the pipeline.
/// </remarks>
public sealed class OutboxSink(Outbox outbox) : IStationSink
{
    public const int MaxInFlight = 256;

    private readonly Queue<Task> _inFlight = new();

    public async ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken) =>
        await TrackAsync(outbox.EnqueueAsync(MessageKind.Result, RecordJson.SerializeToUtf8(part.Record), null, cancellationToken));

    public async ValueTask AuditAsync(AuditRecord audit, CancellationToken cancellationToken) =>
        await TrackAsync(outbox.EnqueueAsync(MessageKind.Audit, RecordJson.SerializeToUtf8(audit), null, cancellationToken));

    public async ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken)
    {
        await DrainAsync();
        await outbox.RaiseAlertAsync(ToAlertBody(transition), cancellationToken);
    }

    public async ValueTask CaptureAlertAsync(CaptureEvent alert, CancellationToken cancellationToken)
    {
        await DrainAsync();
        var (name, raised) = alert.Kind switch
        {
            CaptureEventKind.CameraDown => ("camera_down", true),
            CaptureEventKind.CameraRecovered => ("camera_down", false),
            CaptureEventKind.FrozenStream => ("frozen_stream", true),
            _ => ("frozen_stream", false),
        };
        await outbox.RaiseAlertAsync(
            new AlertBody($"{alert.CameraId}.{name}", raised ? AlertStates.Raised : AlertStates.Cleared, raised ? "critical" : "info", alert.Message,
                new Dictionary<string, double> { ["lastSeq"] = alert.LastSeq }),
            cancellationToken);
    }

    public async ValueTask EventAsync(StationEvent stationEvent, CancellationToken cancellationToken) =>
        await TrackAsync(outbox.EnqueueAsync(MessageKind.Event, StationEventWire.ToBody(stationEvent), MessagesJsonContext.Default.EventBody, null, cancellationToken));

    public async ValueTask MetricsAsync(MetricsBody body, CancellationToken cancellationToken) =>
        await TrackAsync(outbox.EnqueueAsync(MessageKind.Metrics, body, MessagesJsonContext.Default.MetricsBody, null, cancellationToken));

    /// <summary>Waits until every record handed over so far is on disk.</summary>
    public async ValueTask DrainAsync()
    {
        while (_inFlight.TryDequeue(out var write))
        {
            await write;
        }
    }

    /// <summary>The transition with its evidence, as published on <c>alert</c> and retained on <c>alert/state/{name}</c>.</summary>
    public static AlertBody ToAlertBody(AlertTransition t)
    {
        var state = t.To switch
        {
            AlertState.Ok => AlertStates.Cleared,
            AlertState.Warn => "warn",
            _ => AlertStates.Raised,
        };
        var severity = t.To switch
        {
            AlertState.Alert => "critical",
            AlertState.Warn => "warning",
            _ => "info",
        };
        var kind = t.Kind == DriftKind.Unclassified ? "" : $", {t.Kind.ToString().ToLowerInvariant()} change";
        var message = string.Create(CultureInfo.InvariantCulture,
            $"{t.Metric} on {t.CameraId}: {t.From} -> {t.To}{(t.IsRepeat ? " (repeat)" : "")}; current {t.CurrentValue:0.###} vs reference {t.ReferenceValue:0.###}, {t.Family} distance {t.Distance:0.####} against threshold {t.Threshold:0.####} over {t.WindowFrames} frames to seq {t.WindowEndSeq}{kind}");
        var evidence = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["reference"] = t.ReferenceValue,
            ["current"] = t.CurrentValue,
            ["distance"] = t.Distance,
            ["threshold"] = t.Threshold,
            ["windowFrames"] = t.WindowFrames,
            ["windowEndSeq"] = t.WindowEndSeq,
            ["gradual"] = t.Kind == DriftKind.Gradual ? 1 : 0,
            ["sudden"] = t.Kind == DriftKind.Sudden ? 1 : 0,
        };
        return new AlertBody(t.Name, state, severity, message, evidence);
    }

    private async ValueTask TrackAsync(ValueTask<long> write)
    {
        if (write.IsCompletedSuccessfully)
        {
            return;
        }

        _inFlight.Enqueue(write.AsTask());
        if (_inFlight.Count >= MaxInFlight || outbox.IsNearCap)
        {
            await DrainAsync();
        }
    }
}
