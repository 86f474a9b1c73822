using System.Text.Json.Serialization;

namespace EdgeInspect.Core.Messages;

/// <summary>Body of the retained <c>status</c> topic: the birth message, and the last will with State "offline".</summary>
public sealed record StatusBody(
    string State,
    string Software,
    string? Mode = null,
    string? Model = null,
    string? Reason = null);

/// <summary>Body of an <c>alert</c> transition (stream, never dropped).</summary>
public sealed record AlertBody(
    string Name,
    string State,
    string Severity,
    string Message,
    IReadOnlyDictionary<string, double>? Evidence = null);

/// <summary>Body of the retained <c>alert/state/{name}</c> topic: the current state of one alert.</summary>
public sealed record AlertStateBody(string Name, string State, string Severity, string Message, DateTimeOffset Since);

/// <summary>Body of an <c>event</c> (the audit trail).</summary>
public sealed record EventBody(string Type, string Message, IReadOnlyDictionary<string, string>? Detail = null);

/// <summary>Body of a <c>metrics</c> snapshot: named values, grouped by a dotted prefix.</summary>
public sealed record MetricsBody(IReadOnlyDictionary<string, double> Values);

/// <summary>Body of <c>cmd/response</c>.</summary>
public sealed record CommandResponseBody(string? CorrelationId, string Verb, bool Accepted, string? Reason);

/// <summary>Alert states as they appear on the wire.</summary>
public static class AlertStates
{
    public const string Raised = "raised";
    public const string Cleared = "cleared";
}

/// <summary>Source-generated JSON for every payload defined here: camelCase, no reflection at runtime.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StatusBody))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(AlertBody))]
[JsonSerializable(typeof(AlertStateBody))]
[JsonSerializable(typeof(EventBody))]
[JsonSerializable(typeof(MetricsBody))]
[JsonSerializable(typeof(CommandResponseBody))]
public sealed partial class MessagesJsonContext : JsonSerializerContext;
