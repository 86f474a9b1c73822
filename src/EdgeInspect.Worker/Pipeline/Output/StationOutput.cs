using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Worker.Pipeline.Output;

/// <summary>What kind of message a <see cref="StationOutput"/> carries.</summary>
public enum StationOutputKind
{
    Part = 1,
    Audit,
    Alert,
    CaptureAlert,
    Event,
    Metrics,
    Incident,
}

/// <summary>
/// One message on its way to the sinks: exactly one of its typed fields is set, as <see cref="Kind"/> says. A struct
/// union rather than a class hierarchy, so queueing a message allocates nothing beyond the message itself.
/// </summary>
public readonly struct StationOutput
{
    private StationOutput(StationOutputKind kind, CompletedPart? part = null, AuditRecord? audit = null, AlertTransition? alert = null,
        CaptureEvent? captureAlert = null, StationEvent? stationEvent = null, MetricsBody? metrics = null, IncidentEvent? incident = null)
    {
        Kind = kind;
        Part = part;
        Audit = audit;
        Alert = alert;
        CaptureAlert = captureAlert;
        Event = stationEvent;
        Metrics = metrics;
        Incident = incident;
    }

    public StationOutputKind Kind { get; }

    public CompletedPart? Part { get; }

    public AuditRecord? Audit { get; }

    public AlertTransition? Alert { get; }

    public CaptureEvent? CaptureAlert { get; }

    public StationEvent? Event { get; }

    public MetricsBody? Metrics { get; }

    public IncidentEvent? Incident { get; }

    public static StationOutput Of(CompletedPart part) => new(StationOutputKind.Part, part: part);

    public static StationOutput Of(AuditRecord audit) => new(StationOutputKind.Audit, audit: audit);

    public static StationOutput Of(AlertTransition alert) => new(StationOutputKind.Alert, alert: alert);

    public static StationOutput OfCaptureAlert(CaptureEvent alert) => new(StationOutputKind.CaptureAlert, captureAlert: alert);

    public static StationOutput Of(StationEvent stationEvent) => new(StationOutputKind.Event, stationEvent: stationEvent);

    public static StationOutput Of(MetricsBody metrics) => new(StationOutputKind.Metrics, metrics: metrics);

    public static StationOutput Of(IncidentEvent incident) => new(StationOutputKind.Incident, incident: incident);

    public override string ToString() => Kind.ToString();
}
