using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Worker.Pipeline;

/// <summary>Hands everything to the durable sink first, then to an observer (the demo's console, a test, a report).</summary>
public sealed class TeeSink(IStationSink primary, IStationSink observer) : IStationSink
{
    public async ValueTask PartAsync(CompletedPart part, CancellationToken cancellationToken)
    {
        await primary.PartAsync(part, cancellationToken);
        await observer.PartAsync(part, cancellationToken);
    }

    public async ValueTask AlertAsync(AlertTransition transition, CancellationToken cancellationToken)
    {
        await primary.AlertAsync(transition, cancellationToken);
        await observer.AlertAsync(transition, cancellationToken);
    }

    public async ValueTask CaptureAlertAsync(CaptureEvent alert, CancellationToken cancellationToken)
    {
        await primary.CaptureAlertAsync(alert, cancellationToken);
        await observer.CaptureAlertAsync(alert, cancellationToken);
    }

    public async ValueTask EventAsync(EventBody body, CancellationToken cancellationToken)
    {
        await primary.EventAsync(body, cancellationToken);
        await observer.EventAsync(body, cancellationToken);
    }

    public async ValueTask MetricsAsync(MetricsBody body, CancellationToken cancellationToken)
    {
        await primary.MetricsAsync(body, cancellationToken);
        await observer.MetricsAsync(body, cancellationToken);
    }
}
