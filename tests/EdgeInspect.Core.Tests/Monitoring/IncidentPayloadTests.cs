using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;

namespace EdgeInspect.Core.Tests.Monitoring;

public sealed class IncidentPayloadTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_Incident_Event_Serializes_To_CamelCase_Json_With_Its_Diagnosis_And_Members()
    {
        var events = Lifecycle();

        var json = (JsonObject)JsonNode.Parse(JsonSerializer.Serialize(IncidentPayloads.ToBody(events[0]), IncidentJsonContext.Default.IncidentBody))!;

        Assert.Equal("raised", json["event"]!.GetValue<string>());
        Assert.Equal("open", json["state"]!.GetValue<string>());
        Assert.Equal("critical", json["severity"]!.GetValue<string>());
        Assert.Equal("cam1", json["camera"]!.GetValue<string>());
        Assert.Null(json["end"]);
        var diagnosis = (JsonObject)json["diagnosis"]!;
        Assert.Equal("output", diagnosis["class"]!.GetValue<string>());
        Assert.InRange(diagnosis["confidence"]!.GetValue<double>(), 0.05, 0.99);
        Assert.False(string.IsNullOrWhiteSpace(diagnosis["action"]!.GetValue<string>()));
        var member = (JsonObject)((JsonArray)json["members"]!)[0]!;
        Assert.Equal(("cam1.class_share", "class_share", "alert"), (member["name"]!.GetValue<string>(), member["detector"]!.GetValue<string>(), member["state"]!.GetValue<string>()));
        Assert.Null(member["current"]); // NaN on the alert: left out rather than breaking the JSON
        Assert.Equal(0.113, member["reference"]!.GetValue<double>());
        Assert.StartsWith($"Incident {events[0].Incident.Id} raised on cam1: output (confidence", json["message"]!.GetValue<string>());
    }

    [Fact]
    public void The_Cleared_Event_And_The_Retained_State_Carry_The_End()
    {
        var cleared = Lifecycle()[^1];

        var body = IncidentPayloads.ToBody(cleared);
        var state = IncidentPayloads.ToStateBody(cleared.Incident);
        var stateJson = (JsonObject)JsonNode.Parse(JsonSerializer.Serialize(state, IncidentJsonContext.Default.IncidentStateBody))!;

        Assert.Equal(("cleared", "cleared", "info"), (body.Event, body.State, body.Severity));
        Assert.Equal(T0.AddSeconds(90), body.End);
        Assert.Contains("all cleared after 1.5 min", body.Message);
        Assert.Equal(body.Id, stateJson["id"]!.GetValue<string>());
        Assert.Null(stateJson["event"]);
        Assert.Equal("cleared", stateJson["state"]!.GetValue<string>());
        Assert.Equal($"incident/state/{body.Id}", IncidentPayloads.StateTopic(body.Id));
        Assert.Throws<ArgumentException>(() => IncidentPayloads.StateTopic("a/b"));
    }

    private static List<IncidentEvent> Lifecycle()
    {
        var engine = new IncidentEngine(new IncidentOptions());
        engine.Observe(new AlertTransition("cam1.class_share", "cam1", DetectorFamily.ClassShare, "class_share", AlertState.Ok, AlertState.Alert, T0,
            0.113, double.NaN, 0.3, 0.1, 50, 10, DriftKind.Unclassified, false), null);
        engine.Observe(new AlertTransition("cam1.class_share", "cam1", DetectorFamily.ClassShare, "class_share", AlertState.Alert, AlertState.Ok, T0.AddSeconds(90),
            0.113, 0.12, 0, 0.1, 50, 910, DriftKind.Unclassified, false), null);
        var events = new List<IncidentEvent>();
        engine.DrainEvents(events);
        return events;
    }
}
