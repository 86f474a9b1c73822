using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>
/// Where the pipeline's output goes: finished parts, alert transitions, audit-trail events and metrics snapshots.
/// The station writes them to the durable outbox; replay and tests collect them in memory.
/// </summary>
/// <remarks>
/// Calls come from one writer task, in the order the pipeline produced them. A sink may await (the outbox applies
/// back-pressure when it nears its cap); it must not throw for routine conditions. Observers implement only what they
/// watch: every method but <see cref="PartAsync"/> ignores its input unless overridden.
/// </remarks>
public interface IStationSink
{
    ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken);

    ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>A capture alert raised or cleared: camera down, frozen stream (and their recoveries).</summary>
    ValueTask CaptureAlertAsync(CaptureEvent alert, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask EventAsync(EventBody body, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask MetricsAsync(MetricsBody body, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
