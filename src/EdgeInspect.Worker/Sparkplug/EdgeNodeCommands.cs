using System.Text.Json;
using System.Threading.Channels;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Sparkplug.Protocol;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>
/// What the edge node does with a host's NCMD metrics. <c>Node Control/Rebirth</c> = true is handed back to the
/// sender. <c>Node Control/Mode</c> is the station's <c>set-mode</c> command, through the same
/// <see cref="CommandDispatcher"/> and schema as <c>cmd/set-mode</c>, and only with
/// <see cref="SparkplugOptions.AllowWrites"/>. Anything else, and any refused write, is refused: counted, logged,
/// answered with an NDATA of the metric as it is (for Mode), and recorded as an event on the JSON <c>event</c> topic,
/// like every accepted write.
/// </summary>
/// <remarks>Called by the node's one publishing loop, one command at a time.</remarks>
internal sealed class EdgeNodeCommands(SparkplugOptions options, MetricTable table, EdgeNodeRecorder recorder, CommandDispatcher dispatcher, Outbox outbox,
    SparkplugCounters counters, ILogger logger, TimeProvider time)
{
    private long _ids;

    /// <summary>One metric of an NCMD. True when it is a rebirth request (the sender does the rebirth).</summary>
    public async Task<bool> HandleAsync(Payload.Types.Metric metric, bool retained, CancellationToken cancellationToken)
    {
        var target = metric.HasName ? table.Find(null, metric.Name) : metric.HasAlias ? table.FindByAlias(metric.Alias) : null;
        var name = target?.Definition.Name ?? (metric.HasName ? metric.Name : $"alias {metric.Alias}");
        if (retained)
        {
            await RefuseAsync(name, null, "retained NCMDs are refused: they would run again on every reconnect", cancellationToken);
            return false;
        }

        if (name == MetricNames.Rebirth && target?.Definition.Device is null)
        {
            return MetricValue.Read(metric, DataType.Boolean) is { AsBoolean: true };
        }

        if (name == MetricNames.Mode && target?.Definition.Device is null)
        {
            await WriteModeAsync(metric, cancellationToken);
            return false;
        }

        await RefuseAsync(name, null, target is null ? "no such metric on this edge node" : "the metric is read-only", cancellationToken);
        return false;
    }

    /// <summary>
    /// A write of Node Control/Mode: refused unless writes are allowed, then the station's set-mode command with its
    /// validation. Either way answered with an NDATA of the mode as it now is, and recorded as an event.
    /// </summary>
    private async Task WriteModeAsync(Payload.Types.Metric metric, CancellationToken cancellationToken)
    {
        var value = MetricValue.Read(metric, DataType.String)?.AsString;
        if (!options.AllowWrites)
        {
            await RefuseAsync(MetricNames.Mode, value, "link:sparkplug:allowWrites is false: this edge node accepts no writes", cancellationToken);
            return;
        }

        if (value is null)
        {
            await RefuseAsync(MetricNames.Mode, null, "Node Control/Mode takes a String value", cancellationToken);
            return;
        }

        var correlationId = $"sparkplug-{Interlocked.Increment(ref _ids)}";
        var response = await dispatcher.DispatchAsync("set-mode", SetModeBody(correlationId, value), cancellationToken);
        if (!response.Accepted)
        {
            await RefuseAsync(MetricNames.Mode, value, response.Reason ?? "rejected", cancellationToken, correlationId);
            return;
        }

        counters.WriteAccepted();
        var mode = value.Trim().ToLowerInvariant();
        await recorder.RecordNode([(MetricNames.Mode, MetricValue.String(mode))], time.GetUtcNow(), includeUnchanged: true);
        await AuditAsync(MetricNames.Mode, value, "accepted", response.Reason, correlationId, cancellationToken);
        logger.LogInformation("Sparkplug write {Metric} = {Value} accepted: {Reason}", MetricNames.Mode, value, response.Reason);
    }

    private async Task RefuseAsync(string metric, string? value, string reason, CancellationToken cancellationToken, string? correlationId = null)
    {
        counters.WriteRefused();
        logger.LogWarning("Sparkplug write {Metric} = {Value} refused: {Reason}", metric, value ?? "(none)", reason);
        if (metric == MetricNames.Mode)
        {
            // The answer: the value as it is, so the host's view of the metric is right again.
            var current = table.Find(null, MetricNames.Mode)?.Value ?? MetricValue.String(null);
            await recorder.RecordNode([(MetricNames.Mode, current), (MetricNames.WritesRefused, MetricValue.Int64(counters.WritesRefused))], time.GetUtcNow(), includeUnchanged: true);
        }

        await AuditAsync(metric, value, "rejected", reason, correlationId, cancellationToken);
    }

    /// <summary>The audit trail: every Sparkplug write, as an event on the JSON <c>event</c> topic (through the outbox).</summary>
    private async Task AuditAsync(string metric, string? value, string outcome, string? reason, string? correlationId, CancellationToken cancellationToken)
    {
        var detail = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["source"] = "sparkplug",
            ["metric"] = metric,
            ["outcome"] = outcome,
        };
        if (value is not null)
        {
            detail["value"] = value.Length > 128 ? value[..128] : value;
        }

        if (reason is not null)
        {
            detail["reason"] = reason;
        }

        if (correlationId is not null)
        {
            detail["correlationId"] = correlationId;
        }

        try
        {
            await outbox.EnqueueAsync(MessageKind.Event, new EventBody("command", $"sparkplug write {metric} {outcome}", detail), MessagesJsonContext.Default.EventBody,
                cancellationToken);
        }
        catch (Exception e) when (e is ObjectDisposedException or ChannelClosedException)
        {
            // Shutting down.
        }
    }

    private byte[] SetModeBody(string correlationId, string mode)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("correlationId", correlationId);
            json.WriteStartObject("args");
            json.WriteString("mode", mode);
            json.WriteString("by", options.PrimaryHostId is { } host ? $"sparkplug:{host}" : "sparkplug");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
