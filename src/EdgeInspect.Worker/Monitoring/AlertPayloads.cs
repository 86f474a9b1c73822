using System.Text.Json.Nodes;
using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Worker.Monitoring;

/// <summary>JSON payloads of the `alert` topic (one per transition) and the retained `alert/state/{name}` topics.</summary>
public static class AlertPayloads
{
    public static JsonObject ToJson(this AlertTransition t) => new()
    {
        ["name"] = t.Name,
        ["camera"] = t.CameraId,
        ["detector"] = Snake(t.Family.ToString()),
        ["metric"] = t.Metric,
        ["from"] = Lower(t.From),
        ["to"] = Lower(t.To),
        ["raised"] = t.To == AlertState.Alert && !t.IsRepeat && t.From != AlertState.Alert,
        ["cleared"] = t.From == AlertState.Alert && t.To == AlertState.Ok,
        ["repeat"] = t.IsRepeat,
        ["at"] = t.At.ToString("O"),
        ["reference_value"] = Number(t.ReferenceValue),
        ["current_value"] = Number(t.CurrentValue),
        ["distance"] = Number(t.Distance),
        ["threshold"] = Number(t.Threshold),
        ["window"] = t.WindowFrames,
        ["window_end_seq"] = t.WindowEndSeq,
        ["kind"] = Lower(t.Kind),
    };

    public static JsonObject ToJson(this AlertStatus s) => new()
    {
        ["name"] = s.Name,
        ["state"] = Lower(s.State),
        ["since"] = s.Since == DateTimeOffset.MinValue ? null : s.Since.ToString("O"),
        ["threshold"] = Number(s.Threshold),
    };

    /// <summary>The retained topic suffix of an alert: alert/state/{name}.</summary>
    public static string StateTopic(string alertName) => $"alert/state/{alertName}";

    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? $"_{char.ToLowerInvariant(c)}" : char.ToLowerInvariant(c).ToString()));

    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}
