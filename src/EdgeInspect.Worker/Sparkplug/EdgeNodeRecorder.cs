using System.Collections.Concurrent;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Sparkplug.Protocol;
using Google.Protobuf;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>The edge node's metric names, in one place (docs/sparkplug.md lists them with datatypes and units).</summary>
internal static class MetricNames
{
    public const string Rebirth = "Node Control/Rebirth";
    public const string Mode = "Node Control/Mode";
    public const string Software = "Properties/Software";
    public const string DeviceId = "Properties/Device Id";
    public const string Site = "Properties/Site";
    public const string Area = "Properties/Area";
    public const string Line = "Properties/Line";
    public const string Station = "Properties/Station";
    public const string ConfigRevision = "Properties/Config Revision";
    public const string Fps = "Pipeline/FPS";
    public const string PartsInspected = "Parts/Inspected";
    public const string PartsPass = "Parts/Pass";
    public const string PartsFail = "Parts/Fail";
    public const string PartsNoDecision = "Parts/No Decision";
    public const string Agreement = "Agreement/Model vs Human/Agreement";
    public const string AgreementLower = "Agreement/Model vs Human/Agreement Lower 95";
    public const string AgreementUpper = "Agreement/Model vs Human/Agreement Upper 95";
    public const string Kappa = "Agreement/Model vs Human/Kappa";
    public const string AgreementParts = "Agreement/Model vs Human/Parts";
    public const string PromotionGate = "Promotion/Gate";
    public const string OpenIncidents = "Incidents/Open";
    public const string OutboxDepth = "Outbox/Depth";
    public const string OutboxDroppedMetrics = "Outbox/Dropped Metrics";
    public const string LinkReconnects = "Link/Reconnects";
    public const string Stored = "Sparkplug/Stored";
    public const string Dropped = "Sparkplug/Dropped";
    public const string Reconnects = "Sparkplug/Reconnects";
    public const string WritesRefused = "Sparkplug/Writes Refused";
    public const string CameraFps = "Camera/FPS";
    public const string ResultPartId = "Result/Part Id";
    public const string ResultClass = "Result/Class";
    public const string ResultScore = "Result/Score";
    public const string ResultDecision = "Result/Decision";
    public const string ResultDecidedBy = "Result/Decided By";
    public const string ResultHumanVerdict = "Result/Human Verdict";
    public const string ResultCaptureTime = "Result/Capture Time";
    public const string ResultDecisionTime = "Result/Decision Time";

    /// <summary>The pipeline stages whose latency is declared in the first birth (others appear with a rebirth).</summary>
    public static readonly string[] KnownStages = ["preprocess", "inference", "capture_to_decision"];

    public static string ModelName(string slot) => $"Model/{slot}/Name";

    public static string ModelVersion(string slot) => $"Model/{slot}/Version";

    public static string ModelSha256(string slot) => $"Model/{slot}/Sha256";

    public static string StageP50(string stage) => $"Latency/{stage}/P50";

    public static string StageP99(string stage) => $"Latency/{stage}/P99";

    /// <summary>A drift detector's distance: its dotted name as folders ("cam0.brightness.distribution" → "Drift/cam0/brightness/distribution/Distance").</summary>
    public static string DriftDistance(string detector) => $"Drift/{Folders(detector)}/Distance";

    public static string DriftState(string detector) => $"Drift/{Folders(detector)}/State";

    /// <summary>Sparkplug discourages '.' and other punctuation in names; dots become folders, other separators spaces.</summary>
    private static string Folders(string dotted) => string.Join('/', dotted.Split('.', StringSplitOptions.RemoveEmptyEntries)
        .Select(part => new string([.. part.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' or ' ' ? c : '_')])));
}

/// <summary>
/// The producing side of the edge node: takes what the station reports, keeps the current value of every metric in the
/// <see cref="MetricTable"/>, and writes each change as one stored NDATA or DDATA into the node's outbox stream, where
/// the sender picks it up (at once when born, or after the next birth as historical data).
/// </summary>
/// <remarks>
/// <para>Only changed metrics are recorded (a part's result always is). Node metrics are stored as a droppable kind
/// (like the JSON metrics, the oldest go first when the outbox is full, counted); results and a camera's comings and
/// goings are never dropped and wait for room.</para>
/// <para>Order: a change and its record are made under one lock, so records leave in the order the values changed.
/// The lock is never held across a wait: the outbox assigns the record's id before its first await.</para>
/// </remarks>
internal sealed class EdgeNodeRecorder(MetricTable table, OutboxStream stream, bool publishResults)
{
    private readonly Lock _order = new();
    private readonly ConcurrentDictionary<string, bool> _online = new(StringComparer.Ordinal);

    public MetricTable Table => table;

    public OutboxStream Stream => stream;

    public bool PublishResults => publishResults;

    /// <summary>Declares every metric the node and its devices publish, with their values at start (aliases follow this order).</summary>
    public void Declare(EdgeNodeStart start, StationIdentityOptions identity, DateTimeOffset at)
    {
        var t = table;
        t.Declare(null, SparkplugPayloads.BdSeq, MetricValue.Int64(0), at);
        t.Declare(null, MetricNames.Rebirth, MetricValue.Boolean(false), at, writable: true);
        t.Declare(null, MetricNames.Mode, MetricValue.String(start.Mode), at, writable: true);
        foreach (var (name, value) in new[]
                 {
                     (MetricNames.Software, start.Software), (MetricNames.DeviceId, identity.DeviceId), (MetricNames.Site, identity.Site),
                     (MetricNames.Area, identity.Area), (MetricNames.Line, identity.Line), (MetricNames.Station, identity.Name),
                     (MetricNames.ConfigRevision, identity.ConfigRevision),
                 })
        {
            t.Declare(null, name, MetricValue.String(value), at);
        }

        foreach (var (name, value) in ModelValues(start.ActiveModel, start.CandidateModel))
        {
            t.Declare(null, name, value, at);
        }

        t.Declare(null, MetricNames.Fps, MetricValue.Double(null), at);
        foreach (var stage in MetricNames.KnownStages)
        {
            t.Declare(null, MetricNames.StageP50(stage), MetricValue.Double(null), at);
            t.Declare(null, MetricNames.StageP99(stage), MetricValue.Double(null), at);
        }

        foreach (var name in new[] { MetricNames.PartsInspected, MetricNames.PartsPass, MetricNames.PartsFail, MetricNames.PartsNoDecision })
        {
            t.Declare(null, name, MetricValue.Int64(null), at);
        }

        foreach (var name in new[] { MetricNames.Agreement, MetricNames.AgreementLower, MetricNames.AgreementUpper, MetricNames.Kappa })
        {
            t.Declare(null, name, MetricValue.Double(null), at);
        }

        t.Declare(null, MetricNames.AgreementParts, MetricValue.Int64(null), at);
        t.Declare(null, MetricNames.PromotionGate, MetricValue.String(null), at);
        foreach (var detector in start.DriftDetectors)
        {
            t.Declare(null, MetricNames.DriftDistance(detector), MetricValue.Double(null), at);
            t.Declare(null, MetricNames.DriftState(detector), MetricValue.String("ok"), at);
        }

        foreach (var name in new[]
                 {
                     MetricNames.OpenIncidents, MetricNames.OutboxDepth, MetricNames.OutboxDroppedMetrics, MetricNames.LinkReconnects,
                     MetricNames.Stored, MetricNames.Dropped, MetricNames.Reconnects, MetricNames.WritesRefused,
                 })
        {
            t.Declare(null, name, MetricValue.Int64(null), at);
        }

        foreach (var camera in start.Cameras)
        {
            t.AddDevice(camera);
            _online[camera] = true;
            t.Declare(camera, MetricNames.CameraFps, MetricValue.Double(null), at);
            if (publishResults)
            {
                foreach (var (name, value) in ResultValues(null))
                {
                    t.Declare(camera, name, value, at);
                }
            }
        }
    }

    public bool IsOnline(string device) => _online.GetValueOrDefault(device, true);

    /// <summary>Node metrics: the changed ones become one NDATA (all of them with <paramref name="includeUnchanged"/>).</summary>
    /// <returns>The stored record's id; 0 when nothing changed; -1 when the full outbox dropped it (counted).</returns>
    public ValueTask<long> RecordNode(IEnumerable<(string Name, MetricValue Value)> values, DateTimeOffset at, bool includeUnchanged = false) =>
        Record(null, values, at, MessageKind.Metrics, includeUnchanged);

    /// <summary>Device metrics: the changed ones become one DDATA.</summary>
    public ValueTask<long> RecordDevice(string device, IEnumerable<(string Name, MetricValue Value)> values, DateTimeOffset at) =>
        Record(device, values, at, MessageKind.Metrics, includeUnchanged: false);

    /// <summary>One part's result: every Result metric, as one DDATA that is never dropped.</summary>
    public ValueTask<long> RecordPart(PartResult part) =>
        publishResults ? Record(part.CameraId, ResultValues(part), part.DecisionUtc, MessageKind.Result, includeUnchanged: true) : ValueTask.FromResult(0L);

    /// <summary>A camera went away (DDEATH) or came back (DBIRTH), in order with its data. Nothing when the state is unchanged.</summary>
    public ValueTask<long> RecordDeviceState(string device, bool online, DateTimeOffset at)
    {
        lock (_order)
        {
            table.AddDevice(device);
            if (_online.TryGetValue(device, out var was) && was == online)
            {
                return ValueTask.FromResult(0L);
            }

            _online[device] = online;
            var message = new StoredMessage
            {
                Kind = online ? StoredMessage.Types.Kind.DeviceBirth : StoredMessage.Types.Kind.DeviceDeath,
                DeviceId = device,
                Payload = new Payload { Timestamp = SparkplugPayloads.Milliseconds(at) },
            };
            return stream.EnqueueAsync(MessageKind.Event, message.ToByteArray());
        }
    }

    public static IEnumerable<(string, MetricValue)> ModelValues(ModelIdentity? active, ModelIdentity? candidate)
    {
        foreach (var (slot, model) in new[] { ("Active", active), ("Candidate", candidate) })
        {
            yield return (MetricNames.ModelName(slot), MetricValue.String(model?.Name));
            yield return (MetricNames.ModelVersion(slot), MetricValue.String(model?.Version));
            yield return (MetricNames.ModelSha256(slot), MetricValue.String(model?.Sha256));
        }
    }

    private static IEnumerable<(string, MetricValue)> ResultValues(PartResult? part)
    {
        yield return (MetricNames.ResultPartId, MetricValue.String(part?.PartId));
        yield return (MetricNames.ResultClass, MetricValue.String(part?.Class));
        yield return (MetricNames.ResultScore, MetricValue.Double(part?.Score));
        yield return (MetricNames.ResultDecision, MetricValue.String(part?.Decision));
        yield return (MetricNames.ResultDecidedBy, MetricValue.String(part?.DecidedBy));
        yield return (MetricNames.ResultHumanVerdict, MetricValue.String(part?.HumanVerdict));
        yield return (MetricNames.ResultCaptureTime, MetricValue.DateTime(part?.CaptureUtc));
        yield return (MetricNames.ResultDecisionTime, MetricValue.DateTime(part?.DecisionUtc));
    }

    private ValueTask<long> Record(string? device, IEnumerable<(string Name, MetricValue Value)> values, DateTimeOffset at, MessageKind durability, bool includeUnchanged)
    {
        lock (_order)
        {
            var changed = table.Apply(device, values, at, includeUnchanged);
            if (changed.Count == 0)
            {
                return ValueTask.FromResult(0L);
            }

            var message = new StoredMessage { Kind = StoredMessage.Types.Kind.Data, Payload = SparkplugPayloads.ToStore(changed, at) };
            if (device is not null)
            {
                message.DeviceId = device;
            }

            return stream.EnqueueAsync(durability, message.ToByteArray());
        }
    }
}
