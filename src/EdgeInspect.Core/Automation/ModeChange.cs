// Positional records document only the parameters whose meaning the name does not carry.
#pragma warning disable CS1573

namespace EdgeInspect.Core.Automation;

/// <summary>Where a mode change came from.</summary>
public enum ModeChangeSource
{
    /// <summary>An MQTT cmd/set-mode command.</summary>
    Command,

    /// <summary>A station file reload.</summary>
    ConfigReload,

    /// <summary>An alert rolled the station back to shadow (promotion fallback policy).</summary>
    AlertFallback,

    /// <summary>The promotion gate promoted automatically.</summary>
    AutoPromotion,

    /// <summary>The mode the service started in.</summary>
    Startup,
}

/// <summary>The "event" topic payload for a mode change: the audit trail of who or what changed the mode.</summary>
/// <param name="From">Previous mode name; null at startup.</param>
/// <param name="To">New mode name.</param>
/// <param name="Source">Command, config reload, alert fallback...</param>
/// <param name="ChangedBy">Who: the command's requester, "config", or the alert's name.</param>
/// <param name="Reason">Free text from the requester or the alert's evidence.</param>
public sealed record ModeChangedEvent(
    DateTimeOffset Utc,
    string? From,
    string To,
    ModeChangeSource Source,
    string ChangedBy,
    string? Reason,
    string ConfigRevision)
{
    public string Schema { get; init; } = "edgeinspect.event.mode-changed.v1";

    public string Kind { get; init; } = "mode-changed";
}
