using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Core.Promotion;

namespace EdgeInspect.Core.Tests.Promotion;

/// <summary>The fall back to shadow on incidents: it matches diagnosis classes, e.g. concept and product, not lighting.</summary>
public sealed class IncidentFallbackTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static PromotionGate Gate(bool enabled = true, params string[] diagnoses) =>
        new(new PromotionOptions { FallbackToShadow = new ShadowFallbackOptions { Enabled = enabled, Diagnoses = [.. diagnoses] } });

    [Theory]
    [InlineData(IncidentClass.Concept, AutomationMode.Live, AutomationMode.Shadow)]
    [InlineData(IncidentClass.Product, AutomationMode.Canary, AutomationMode.Shadow)]
    [InlineData(IncidentClass.Product, AutomationMode.Partial, AutomationMode.Shadow)]
    [InlineData(IncidentClass.Lighting, AutomationMode.Live, null)]
    [InlineData(IncidentClass.Camera, AutomationMode.Live, null)]
    [InlineData(IncidentClass.Concept, AutomationMode.Assist, null)]
    [InlineData(IncidentClass.Concept, AutomationMode.Shadow, null)]
    public void Listed_Diagnoses_Fall_Back_To_Shadow_Only_Where_The_Model_Decides(IncidentClass diagnosis, AutomationMode mode, AutomationMode? expected)
    {
        Assert.Equal(expected, Gate(true, "concept", "Product").FallbackFor(diagnosis, mode));
    }

    [Fact]
    public void A_Disabled_Rule_Never_Falls_Back()
    {
        Assert.Null(Gate(false, "concept").FallbackFor(IncidentClass.Concept, AutomationMode.Live));
    }

    [Fact]
    public void An_Incident_Event_Gives_The_Action_With_Its_Reason_And_A_Cleared_One_Gives_None()
    {
        var engine = new IncidentEngine(new IncidentOptions());
        engine.Observe(new AlertTransition("cam1.concept", "cam1", DetectorFamily.Concept, "disagreement", AlertState.Ok, AlertState.Alert, T0,
            0.02, 0.2, 6, 4, 200, 500, DriftKind.Unclassified, false), null);
        engine.Observe(new AlertTransition("cam1.concept", "cam1", DetectorFamily.Concept, "disagreement", AlertState.Alert, AlertState.Ok, T0.AddMinutes(5),
            0.02, 0.02, 0, 4, 200, 900, DriftKind.Unclassified, false), null);
        var events = new List<IncidentEvent>();
        engine.DrainEvents(events);
        var gate = Gate(true, "concept");

        var action = gate.FallbackFor(events[0], AutomationMode.Live);

        Assert.NotNull(action);
        Assert.Equal((AutomationMode.Shadow, events[0].Incident.Id, IncidentClass.Concept), (action.Mode, action.IncidentId, action.Diagnosis));
        Assert.Contains("concept", action.Reason);
        Assert.Contains("live mode", action.Reason);
        Assert.Null(gate.FallbackFor(events[1], AutomationMode.Live));
    }

    [Fact]
    public void An_Unknown_Diagnosis_Name_Is_A_Config_Error_And_Diagnoses_Alone_Are_Enough_To_Enable_It()
    {
        var errors = new List<ConfigError>();
        new ShadowFallbackOptions { Enabled = true, Diagnoses = ["concept", "lightning"] }.Validate("promotion:fallbackToShadow", errors);
        var fine = new List<ConfigError>();
        new ShadowFallbackOptions { Enabled = true, Diagnoses = ["concept"] }.Validate("promotion:fallbackToShadow", fine);
        var none = new List<ConfigError>();
        new ShadowFallbackOptions { Enabled = true }.Validate("promotion:fallbackToShadow", none);

        var error = Assert.Single(errors);
        Assert.Equal("promotion:fallbackToShadow:diagnoses:1", error.Path);
        Assert.Contains("lighting, product, focus, camera, output, concept", error.ToString());
        Assert.Empty(fine);
        Assert.Equal("promotion:fallbackToShadow:alerts", Assert.Single(none).Path);
    }

    [Fact]
    public void The_Alert_Name_Rule_Still_Works_Beside_It()
    {
        var gate = new PromotionGate(new PromotionOptions { FallbackToShadow = new ShadowFallbackOptions { Enabled = true, Alerts = ["audit-disagreement"] } });

        Assert.Equal(AutomationMode.Shadow, gate.FallbackFor("audit-disagreement", AutomationMode.Live));
        Assert.Null(gate.FallbackFor(IncidentClass.Concept, AutomationMode.Live));
    }
}
