using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline.Incidents;
using EdgeInspect.Worker.Pipeline.Output;

namespace EdgeInspect.Worker.Pipeline.Events;

/// <summary>
/// The audit trail: every stage that changes the station (control, camera, quality) reports what happened here as a
/// typed <see cref="StationEvent"/>, which is logged and queued for the sinks. The wire form is built at the edge
/// (<see cref="StationEventWire"/>), never in the data path.
/// </summary>
/// <remarks>
/// Owns nothing but the clock that stamps events. <see cref="Publish"/> never waits, so a command handler or the
/// capture thread is never held up by a slow outbox: a full output queue drops the event, counted as
/// <c>pipeline.drops.events</c>. Safe from any thread.
/// </remarks>
public sealed class StationEvents(OutputStage output, IncidentStage incidents, TimeProvider time, ILogger<StationEvents> logger)
{
    /// <summary>The time to stamp on an event happening now.</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Logs and queues an event; never waits.</summary>
    public void Publish(StationEvent stationEvent)
    {
        Log(stationEvent);
        output.TryWrite(StationOutput.Of(stationEvent));
    }

    /// <summary>Logs and queues an event that must not be dropped (the startup mode), waiting for room.</summary>
    public ValueTask PublishAsync(StationEvent stationEvent)
    {
        Log(stationEvent);
        return output.WriteAsync(StationOutput.Of(stationEvent));
    }

    /// <summary>A capture alert raised or cleared (camera down, frozen stream), for the sinks and the incident stage; never waits.</summary>
    public void PublishCaptureAlert(CaptureEvent alert)
    {
        output.TryWrite(StationOutput.OfCaptureAlert(alert));
        incidents.ObserveCapture(alert);
    }

    private void Log(StationEvent stationEvent)
    {
        if (stationEvent is CaptureChanged)
        {
            return; // the camera stage logs its own events, with their level
        }

        var body = StationEventWire.ToBody(stationEvent);
        logger.LogInformation("Event {Type}: {Message}", body.Type, body.Message);
    }
}
