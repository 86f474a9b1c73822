namespace EdgeInspect.Core.Messages;

/// <summary>
/// The MQTT namespace of one station: <c>{prefix}/{site}/{area}/{line}/{station}/...</c> (ISA-95 style, docs/mqtt.md).
/// Each segment is validated once here so no topic built from it can contain a wildcard or an empty level.
/// </summary>
public sealed class StationTopics
{
    public StationTopics(string prefix, string site, string area, string line, string station)
    {
        foreach (var (name, value) in new[] { ("prefix", prefix), ("site", site), ("area", area), ("line", line), ("station", station) })
        {
            if (SegmentProblem(value) is { } problem)
            {
                throw new ArgumentException($"MQTT topic segment '{name}' {problem}", name);
            }
        }

        Base = $"{prefix}/{site}/{area}/{line}/{station}";
    }

    /// <summary>The station's root, without a trailing slash.</summary>
    public string Base { get; }

    public string Status => $"{Base}/status";

    public string Result => $"{Base}/result";

    public string Metrics => $"{Base}/metrics";

    public string Alert => $"{Base}/alert";

    public string Event => $"{Base}/event";

    public string Audit => $"{Base}/audit";

    /// <summary>The stream of incident events (raised, updated, cleared).</summary>
    public string Incident => $"{Base}/{IncidentPayloads.Topic}";

    public string CommandResponse => $"{Base}/cmd/response";

    /// <summary>The filter the station subscribes to for commands.</summary>
    public string CommandFilter => $"{Base}/cmd/+";

    public string AlertState(string name) => SegmentProblem(name) is { } problem
        ? throw new ArgumentException($"alert name {problem}", nameof(name))
        : $"{Base}/alert/state/{name}";

    /// <summary>The retained state of one incident: incident/state/{id}.</summary>
    public string IncidentState(string id) => $"{Base}/{IncidentPayloads.StateTopic(id)}";

    public string Command(string verb) => $"{Base}/cmd/{verb}";

    /// <summary>Full topic for a suffix relative to the base ("result", "alert/state/drift").</summary>
    public string Of(string suffix) => $"{Base}/{suffix}";

    /// <summary>The default suffix for each stream kind.</summary>
    public static string Suffix(MessageKind kind) => kind switch
    {
        MessageKind.Result => "result",
        MessageKind.Alert => "alert",
        MessageKind.Event => "event",
        MessageKind.Metrics => "metrics",
        MessageKind.CommandResponse => "cmd/response",
        MessageKind.Audit => "audit",
        MessageKind.Incident => IncidentPayloads.Topic,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown message kind"),
    };

    /// <summary>The verb of a command topic under this station, or null when the topic is not a command (cmd/response is not).</summary>
    public string? VerbOf(string topic)
    {
        var prefix = $"{Base}/cmd/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var verb = topic[prefix.Length..];
        return verb.Length == 0 || verb == "response" || verb.Contains('/', StringComparison.Ordinal) ? null : verb;
    }

    /// <summary>Null when the value is a valid topic level; otherwise what is wrong with it.</summary>
    public static string? SegmentProblem(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "is empty";
        }

        if (Names.Problem(value) is { } problem)
        {
            return problem;
        }

        if (value.AsSpan().IndexOfAny("/+#\0") >= 0)
        {
            return $"'{value}' contains '/', '+', '#' or NUL";
        }

        return value.Length > 64 ? $"'{value}' is longer than 64 characters" : null;
    }
}
