using System.Globalization;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Promotion;

// Positional records document only the parameters whose meaning the name does not carry.
#pragma warning disable CS1573

namespace EdgeInspect.Core.Records;

/// <summary>
/// Something the station did or that happened to it, for the audit trail on <c>event</c>: typed where it happens,
/// turned into its wire form (<see cref="EventBody"/>) only at the edge, by <see cref="StationEventWire"/>.
/// </summary>
/// <param name="Utc">When it happened.</param>
public abstract record StationEvent(DateTimeOffset Utc);

/// <summary>The automation mode changed, or the station started in one (<see cref="From"/> null).</summary>
/// <param name="ChangedBy">Who: a command's requester, "config", or the alert that caused a fallback.</param>
/// <param name="Reason">The requester's words or the policy that acted; null when none was given.</param>
public sealed record ModeChanged(
    DateTimeOffset Utc, AutomationMode? From, AutomationMode To, ModeChangeSource Source, string ChangedBy, string? Reason, string ConfigRevision)
    : StationEvent(Utc);

/// <summary>A package passed its self-test and runs as the candidate, in shadow beside the active model.</summary>
public sealed record CandidateLoaded(DateTimeOffset Utc, ModelIdentity Model, string By, string ConfigRevision) : StationEvent(Utc);

/// <summary>The candidate became the active model; the previous one stays loaded for a rollback.</summary>
public sealed record ModelPromoted(DateTimeOffset Utc, ModelIdentity Model, string By, string ConfigRevision) : StationEvent(Utc);

/// <summary>The previous model is active again.</summary>
public sealed record ModelRolledBack(DateTimeOffset Utc, ModelIdentity Model, string By, string ConfigRevision) : StationEvent(Utc);

/// <summary>The promotion gate's criteria became met (published once per transition, not per part).</summary>
/// <param name="Subject">What is ready: "candidate {model}", or the mode with its active model.</param>
public sealed record PromotionGateMet(DateTimeOffset Utc, string Subject, PromotionEvaluation Evaluation) : StationEvent(Utc);

/// <summary>Capture changed state in a way that is not an alert: the source opened, was lost, ended, stopped...</summary>
public sealed record CaptureChanged(DateTimeOffset Utc, CaptureEventKind Kind, string CameraId, string Message, long LastSeq) : StationEvent(Utc);

/// <summary>
/// The wire form of each <see cref="StationEvent"/>: the <c>event</c> body documented in docs/mqtt.md, unchanged since
/// events were built from strings (type, message, and a detail map of strings).
/// </summary>
public static class StationEventWire
{
    public static EventBody ToBody(StationEvent e) => e switch
    {
        ModeChanged { From: null } m => new EventBody("mode-changed", $"started in {m.To}",
            Detail(("from", ""), ("to", m.To.ToString()), ("source", m.Source.ToString()))),
        ModeChanged m => new EventBody("mode-changed", $"mode {m.From} -> {m.To} by {m.ChangedBy}" + (m.Reason is null ? "" : $": {m.Reason}"),
            Detail(("from", m.From.ToString()!), ("to", m.To.ToString()), ("source", m.Source.ToString()), ("changedBy", m.ChangedBy), ("configRevision", m.ConfigRevision))),
        CandidateLoaded c => new EventBody("model-loaded", $"candidate {c.Model} loaded by {c.By}", Identity("candidate", c.Model, c.By, c.ConfigRevision)),
        ModelPromoted p => new EventBody("model-promoted", $"{p.Model} is active (by {p.By})", Identity("active", p.Model, p.By, p.ConfigRevision)),
        ModelRolledBack r => new EventBody("model-rolled-back", $"{r.Model} is active again (by {r.By})", Identity("active", r.Model, r.By, r.ConfigRevision)),
        PromotionGateMet g => new EventBody("promotion-ready", $"promotion gate met for {g.Subject}",
            g.Evaluation.Criteria.ToDictionary(c => c.Criterion.ToString(), c => c.Reason, StringComparer.Ordinal)),
        CaptureChanged c => new EventBody("capture-" + c.Kind.ToString().ToLowerInvariant(), c.Message,
            Detail(("camera", c.CameraId), ("lastSeq", c.LastSeq.ToString(CultureInfo.InvariantCulture)))),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "no wire form for this event"),
    };

    private static Dictionary<string, string> Identity(string slot, ModelIdentity model, string by, string configRevision) =>
        Detail(("slot", slot), ("name", model.Name), ("version", model.Version), ("sha256", model.Sha256), ("by", by), ("configRevision", configRevision));

    private static Dictionary<string, string> Detail(params ReadOnlySpan<(string Key, string Value)> pairs)
    {
        var detail = new Dictionary<string, string>(pairs.Length, StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            detail[key] = value;
        }

        return detail;
    }
}
