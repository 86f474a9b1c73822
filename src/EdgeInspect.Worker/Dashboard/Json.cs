using System.Text.Json.Nodes;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>Small helpers for the dashboard's JSON: JSON has no NaN, so a number that is not finite is null.</summary>
internal static class Json
{
    public static JsonNode? Number(double? value, int digits = 6) =>
        value is { } v && double.IsFinite(v) ? JsonValue.Create(Math.Round(v, digits)) : null;

    public static JsonObject Map<T>(IEnumerable<KeyValuePair<string, T>> items, Func<T, JsonNode?> value)
    {
        var json = new JsonObject();
        foreach (var (key, item) in items)
        {
            json[key] = value(item);
        }

        return json;
    }
}
