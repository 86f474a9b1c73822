using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Worker.Pipeline.Quality;

// Positional records document only the parameters whose meaning the name does not carry.
#pragma warning disable CS1573

namespace EdgeInspect.Worker.Pipeline.Incidents;

/// <summary>What the incident stage reads: alert transitions from quality, the passing of frame time, capture's alerts, detector restarts.</summary>
public abstract record IncidentInput;

/// <summary>The alert transitions one quality message caused, in order, with what the drift monitor saw then.</summary>
/// <param name="Transitions">Every transition (repeats included: they refresh a member's figures).</param>
/// <param name="Evidence">Taken when an alert rose, on the monitor's thread; null otherwise.</param>
/// <param name="Generation">The drift monitor that produced them (<see cref="StationQuality.DetectorGeneration"/>).</param>
public sealed record AlertsObserved(IReadOnlyList<AlertTransition> Transitions, DriftEvidence? Evidence, long Generation) : IncidentInput;

/// <summary>Frame time has moved on (at most one a second of frame time): held-back updates may be published.</summary>
/// <param name="At">The capture time of the latest decided frame.</param>
public sealed record FrameTimePassed(DateTimeOffset At, long Generation) : IncidentInput;

/// <summary>Capture's own alert or its recovery (frozen stream, camera down), straight from the capture thread.</summary>
public sealed record CaptureObserved(CaptureEvent Event) : IncidentInput;

/// <summary>The drift monitor was replaced (a model promoted or rolled back): its members can no longer clear by themselves.</summary>
public sealed record DetectorsReplaced(long Generation, DateTimeOffset At) : IncidentInput;

/// <summary>
/// An open incident's diagnosis is one the fall-back rule lists (promotion:fallbackToShadow:diagnoses) while the
/// model decides parts: go back to shadow.
/// </summary>
/// <param name="IncidentId">Becomes the mode change's "changedBy".</param>
/// <param name="Reason">The incident, its diagnosis and why, for the audit trail.</param>
public sealed record FallBackOnIncident(string IncidentId, IncidentClass Diagnosis, string Reason) : StationAction;
