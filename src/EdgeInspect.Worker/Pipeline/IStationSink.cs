using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// Where the pipeline's output goes: finished parts, late audit verdicts, alert transitions, incidents, audit-trail
/// events and metrics snapshots. The station's durable sink writes them to the outbox; replay, the bench, the demo and tests
/// observe them in memory.
/// </summary>
/// <remarks>
/// <para>This file is the whole of what the pipeline hands to the plant link: every message is typed, and the wire
/// form (topics, envelopes, JSON) is the sink's business. Stages know nothing of MQTT.</para>
/// <para>Calls come from one writer task (<see cref="Output.OutputStage"/>), in the order the pipeline produced them, the
/// durable sink first. A sink may await (the outbox applies back-pressure when it nears its cap); it must not throw
/// for routine conditions, and it never calls back into the pipeline: what it may read is the published snapshots
/// (<see cref="Quality.QualityStage.AgreementSnapshot"/>, counters), which take no lock that a stage holds while it
/// waits. Observers implement only what they watch: every method but <see cref="PartAsync"/> ignores its input unless
/// overridden.</para>
/// </remarks>
public interface IStationSink
{
    /// <summary>A decided part: its result record, published at decision time.</summary>
    ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken);

    /// <summary>An inspector's verdict on a part already decided (an audit, or a verdict after the decision deadline).</summary>
    ValueTask AuditAsync(AuditRecord audit, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>A capture alert raised or cleared: camera down, frozen stream (and their recoveries).</summary>
    ValueTask CaptureAlertAsync(CaptureEvent alert, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// An incident raised, updated or cleared: the alerts one change caused, grouped, with a diagnosis and an action
    /// (docs/drift.md). Its member alerts came through <see cref="AlertAsync"/> (or <see cref="CaptureAlertAsync"/>)
    /// before it. <see cref="Core.Messages.IncidentPayloads.ToBody(IncidentEvent)"/> gives its wire form.
    /// </summary>
    ValueTask IncidentAsync(IncidentEvent incident, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>An audit-trail event; <see cref="StationEventWire.ToBody"/> gives its wire form.</summary>
    ValueTask EventAsync(StationEvent stationEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask MetricsAsync(MetricsBody body, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>
/// A decided part as it leaves the pipeline: its result record plus the timings that observers (replay reports, the
/// bench) need beyond it. Immutable once published.
/// </summary>
/// <param name="Record">The result record published on <c>result</c>.</param>
/// <param name="PreprocessTime">Frame to tensor.</param>
/// <param name="InferenceTime">The runtime's Run.</param>
/// <param name="CaptureToDecision">Capture timestamp to decision (monotonic).</param>
public sealed record CompletedPart(InspectionRecord Record, TimeSpan PreprocessTime, TimeSpan InferenceTime, TimeSpan CaptureToDecision);
