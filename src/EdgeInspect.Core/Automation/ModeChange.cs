namespace EdgeInspect.Core.Automation;

/// <summary>Where a mode change came from.</summary>
public enum ModeChangeSource
{
    /// <summary>An MQTT cmd/set-mode command.</summary>
    Command,

    /// <summary>A station file reload.</summary>
    ConfigReload,

    /// <summary>An alert rolled the station back to shadow (promotion fallback policy, by alert name).</summary>
    AlertFallback,

    /// <summary>The promotion gate promoted automatically.</summary>
    AutoPromotion,

    /// <summary>The mode the service started in.</summary>
    Startup,

    /// <summary>An incident whose diagnosis the promotion fallback policy lists rolled the station back to shadow.</summary>
    IncidentFallback,
}
