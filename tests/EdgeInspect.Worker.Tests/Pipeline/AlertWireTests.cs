using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Pipeline;

namespace EdgeInspect.Worker.Tests.Pipeline;

/// <summary>The alert payload the station publishes (docs/mqtt.md): the one format, with its evidence.</summary>
public sealed class AlertWireTests
{
    [Fact]
    public void A_Raised_Drift_Alert_Carries_Its_Evidence_In_The_Published_Payload()
    {
        var at = new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
        var transition = new AlertTransition("cam1.brightness.distribution", "cam1", DetectorFamily.InputDistribution, "brightness",
            AlertState.Warn, AlertState.Alert, at, 119.5, 66.1, 0.31, 0.1, 400, 1150, DriftKind.Sudden, IsRepeat: false);

        var body = OutboxSink.ToAlertBody(transition);

        Assert.Equal(("cam1.brightness.distribution", AlertStates.Raised, "critical"), (body.Name, body.State, body.Severity));
        Assert.StartsWith("brightness on cam1: Warn -> Alert; current 66.1 vs reference 119.5", body.Message);
        Assert.Equal((119.5, 66.1, 0.31, 0.1), (body.Evidence!["reference"], body.Evidence["current"], body.Evidence["distance"], body.Evidence["threshold"]));
        Assert.Equal((400.0, 1150.0, 1.0, 0.0), (body.Evidence["windowFrames"], body.Evidence["windowEndSeq"], body.Evidence["sudden"], body.Evidence["gradual"]));
        Assert.Equal(AlertStates.Cleared, OutboxSink.ToAlertBody(transition with { From = AlertState.Alert, To = AlertState.Ok }).State);
    }
}
