namespace EdgeInspect.Core.Messages;

/// <summary>What a stream message is. The kind decides durability and what happens when the outbox is full.</summary>
public enum MessageKind
{
    /// <summary>One inspection result per part. Never dropped; fsynced (synchronous=FULL).</summary>
    Result = 1,

    /// <summary>An alert transition. Never dropped; fsynced.</summary>
    Alert = 2,

    /// <summary>Audit trail: mode changes, model loads, commands. Never dropped; fsynced.</summary>
    Event = 3,

    /// <summary>Periodic metrics snapshot. May drop its oldest entries when the outbox is full (counted); synchronous=NORMAL.</summary>
    Metrics = 4,

    /// <summary>Answer to a command on cmd/response. Never dropped; fsynced.</summary>
    CommandResponse = 5,

    /// <summary>An inspector's verdict on a part already decided and published (audit). Never dropped; fsynced.</summary>
    Audit = 6,

    /// <summary>
    /// An incident raised, updated or cleared (the alerts one change caused, with a diagnosis), with its retained state
    /// under incident/state/{id}. Never dropped; fsynced.
    /// </summary>
    Incident = 7,
}

/// <summary>Policies that follow from a <see cref="MessageKind"/>.</summary>
public static class MessageKinds
{
    /// <summary>Only metrics may be dropped (oldest first) to make room; everything else waits for room instead.</summary>
    public static bool IsDroppable(this MessageKind kind) => kind == MessageKind.Metrics;

    /// <summary>Whether a commit containing this kind must reach the disk before the caller continues.</summary>
    public static bool NeedsFullSync(this MessageKind kind) => kind != MessageKind.Metrics;

    /// <summary>The versioned schema name carried in the envelope.</summary>
    public static string Schema(this MessageKind kind) => kind switch
    {
        MessageKind.Result => Schemas.Result,
        MessageKind.Alert => Schemas.Alert,
        MessageKind.Event => Schemas.Event,
        MessageKind.Metrics => Schemas.Metrics,
        MessageKind.CommandResponse => Schemas.CommandResponse,
        MessageKind.Audit => Schemas.Audit,
        MessageKind.Incident => Schemas.Incident,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown message kind"),
    };
}

/// <summary>Versioned schema names. A breaking change to a body bumps the number after the slash.</summary>
public static class Schemas
{
    public const string Status = "edgeinspect.status/1";
    public const string Result = "edgeinspect.result/1";
    public const string Metrics = "edgeinspect.metrics/1";
    public const string Alert = "edgeinspect.alert/1";
    public const string AlertState = "edgeinspect.alert-state/1";
    public const string Event = "edgeinspect.event/1";
    public const string CommandResponse = "edgeinspect.cmd-response/1";
    public const string Audit = "edgeinspect.audit/1";
    public const string Incident = IncidentPayloads.IncidentSchema;
    public const string IncidentState = IncidentPayloads.IncidentStateSchema;
}
