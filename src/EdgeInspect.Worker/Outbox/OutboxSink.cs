using System.Globalization;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline;

namespace EdgeInspect.Worker.OutboxStage;

/// <summary>
/// Writes the pipeline's output into the durable outbox: results, audit verdicts, alert transitions and incidents with
/// their retained state, events, metrics. Results are written before they are published; the link moves them to the broker.
/// </summary>
/// <remarks>
/// Writes are pipelined: up to <see cref="MaxInFlight"/> records wait for their group commit at once, so throughput
/// is not bound by one fsync per record. When the outbox nears its cap, in-flight writes are awaited first, so the
/// back-pressure of a full outbox reaches the pipeline. The <see cref="IStationSink"/> methods come from the
/// pipeline's one writer task; <see cref="RaiseAlertAsync"/> may also be called from other threads.
/// </remarks>
public sealed class OutboxSink(Outbox outbox, TimeProvider? time = null) : IStationSink
{
    public const int MaxInFlight = 256;

    /// <summary>The alert the outbox's near-cap condition becomes (<see cref="NearCapAsync"/>).</summary>
    public const string NearCapAlert = "outbox-near-cap";

    /// <summary>The alert the outbox's disk check becomes (<see cref="DiskAsync"/>).</summary>
    public const string DiskLowAlert = "outbox-disk-low";

    private readonly Queue<Task> _inFlight = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken) =>
        await TrackAsync(outbox.EnqueueAsync(MessageKind.Result, part.Record, static (writer, record) => RecordJsonWriter.Write(writer, record), cancellationToken));

    public async ValueTask AuditAsync(AuditRecord audit, CancellationToken cancellationToken) =>
        await TrackAsync(outbox.EnqueueAsync(MessageKind.Audit, RecordJson.SerializeToUtf8(audit), cancellationToken));

    public async ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken)
    {
        await DrainAsync();
        await RaiseAlertAsync(ToAlertBody(transition), cancellationToken);
    }

    /// <summary>Records an alert transition (stream) and its retained state under the alert's name, in that order.</summary>
    public async ValueTask RaiseAlertAsync(AlertBody alert, CancellationToken cancellationToken = default)
    {
        await outbox.EnqueueAsync(MessageKind.Alert, alert, MessagesJsonContext.Default.AlertBody, cancellationToken);
        var state = new AlertStateBody(alert.Name, alert.State, alert.Severity, alert.Message, _time.GetUtcNow());
        await outbox.SetRetainedAsync(MessageKind.Alert, alert.Name, Schemas.AlertState,
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state, MessagesJsonContext.Default.AlertStateBody), cancellationToken);
    }

    /// <summary>
    /// The outbox's near-cap condition as the retained <see cref="NearCapAlert"/> alert (raised, or cleared when it drains).
    /// Subscribe it to <see cref="Outbox.NearCapChanged"/>: <c>outbox.NearCapChanged += fill => _ = sink.NearCapAsync(fill);</c>
    /// </summary>
    public async Task NearCapAsync(OutboxFill fill)
    {
        var alert = new AlertBody(
            NearCapAlert,
            fill.NearCap ? AlertStates.Raised : AlertStates.Cleared,
            "warning",
            fill.NearCap ? "The outbox is nearly full: the plant link is not keeping up; results will be held back at the cap." : "The outbox is draining again.",
            new Dictionary<string, double> { ["depth"] = fill.Depth, ["bytes"] = fill.Bytes, ["fill"] = Math.Round(fill.Fill, 4), ["capRecords"] = fill.CapRecords });
        try
        {
            await RaiseAlertAsync(alert);
        }
        catch (Exception e) when (e is ObjectDisposedException or System.Threading.Channels.ChannelClosedException or OperationCanceledException)
        {
            // Shutting down: the state is evaluated again on the next start.
        }
    }

    /// <summary>
    /// The outbox's disk as the retained <see cref="DiskLowAlert"/> alert: raised (warning when metrics stop, critical
    /// when records are dropped) with the drop counts, refreshed while dropping, cleared when room is back.
    /// Subscribe it to <see cref="DiskSpaceGuard.Changed"/>.
    /// </summary>
    public async Task DiskAsync(OutboxDiskState disk)
    {
        var folder = outbox.Disk.Folder;
        var message = disk.Level switch
        {
            DiskLevel.Normal => $"The outbox's disk ({folder}) has room again ({DiskSpaceGuard.Format(disk.RoomBytes)} free); everything is written.",
            DiskLevel.Low => $"The outbox's disk ({folder}) has {DiskSpaceGuard.Format(disk.RoomBytes)} free, below its reserve of {DiskSpaceGuard.Format(disk.ReserveBytes)}: metrics are dropped, results are still written. Free space on that filesystem (or lower outbox:diskReserveBytes).",
            _ => $"The outbox's disk ({folder}) has {DiskSpaceGuard.Format(disk.RoomBytes)} free, below {DiskSpaceGuard.Format(disk.FloorBytes)}: new results, audits and events are dropped and counted; records already in the outbox are kept until the broker takes them. Free space on that filesystem.",
        };
        var d = disk.Drops;
        var alert = new AlertBody(
            DiskLowAlert,
            disk.Level == DiskLevel.Normal ? AlertStates.Cleared : AlertStates.Raised,
            disk.Level == DiskLevel.Full ? "critical" : "warning",
            message,
            new Dictionary<string, double>
            {
                ["level"] = (int)disk.Level, ["roomBytes"] = disk.RoomBytes == long.MaxValue ? -1 : disk.RoomBytes, ["reserveBytes"] = disk.ReserveBytes,
                ["droppedResults"] = d.Results, ["droppedAudits"] = d.Audits, ["droppedEvents"] = d.Events,
                ["droppedCommandResponses"] = d.CommandResponses, ["droppedMetrics"] = d.Metrics,
            });
        try
        {
            await RaiseAlertAsync(alert);
        }
        catch (Exception e) when (e is ObjectDisposedException or System.Threading.Channels.ChannelClosedException or OperationCanceledException)
        {
            // Shutting down: the disk is looked at again on the next start.
        }
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
        await RaiseAlertAsync(
            new AlertBody($"{alert.CameraId}.{name}", raised ? AlertStates.Raised : AlertStates.Cleared, raised ? "critical" : "info", alert.Message,
                new Dictionary<string, double> { ["lastSeq"] = alert.LastSeq }),
            cancellationToken);
    }

    /// <summary>
    /// Records an incident event on <c>incident</c> and the incident as it now stands, retained under
    /// <c>incident/state/{id}</c>, in that order. A cleared incident's state is retained too (state "cleared", with its
    /// end): a dashboard that subscribes later sees how it ended, and the next incident has a new id (docs/mqtt.md).
    /// </summary>
    public async ValueTask IncidentAsync(IncidentEvent incident, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incident);
        await DrainAsync();
        await outbox.EnqueueAsync(MessageKind.Incident, IncidentPayloads.ToBody(incident), IncidentJsonContext.Default.IncidentBody, cancellationToken);
        await outbox.SetRetainedAsync(MessageKind.Incident, incident.Incident.Id, Schemas.IncidentState,
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(IncidentPayloads.ToStateBody(incident.Incident), IncidentJsonContext.Default.IncidentStateBody), cancellationToken);
    }

    public async ValueTask EventAsync(StationEvent stationEvent, CancellationToken cancellationToken) =>
        await TrackAsync(outbox.EnqueueAsync(MessageKind.Event, StationEventWire.ToBody(stationEvent), MessagesJsonContext.Default.EventBody, cancellationToken));

    public async ValueTask MetricsAsync(MetricsBody body, CancellationToken cancellationToken) =>
        await TrackAsync(outbox.EnqueueAsync(MessageKind.Metrics, body, MessagesJsonContext.Default.MetricsBody, cancellationToken));

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
