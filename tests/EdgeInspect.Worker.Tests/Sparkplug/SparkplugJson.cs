using System.Globalization;
using System.Text;
using EdgeInspect.Worker.Sparkplug.Protocol;

namespace EdgeInspect.Worker.Tests.Sparkplug;

/// <summary>
/// Renders a decoded Sparkplug payload the way the specification shows payloads (JSON with the datatype by name), for
/// the captured examples in docs/sparkplug.md. Data metrics carry only an alias; its name from the birth is added as
/// a comment (so the output is JSON with comments).
/// </summary>
internal static class SparkplugJson
{
    public static string Render(Payload payload, Func<ulong, string?>? nameOfAlias = null)
    {
        var text = new StringBuilder("{\n");
        var fields = new List<string>();
        if (payload.HasTimestamp)
        {
            fields.Add($"  \"timestamp\": {payload.Timestamp}");
        }

        if (payload.Metrics.Count > 0)
        {
            var metrics = payload.Metrics.Select((m, i) => "    " + Metric(m, nameOfAlias, last: i == payload.Metrics.Count - 1));
            fields.Add("  \"metrics\": [\n" + string.Join("\n", metrics) + "\n  ]");
        }

        if (payload.HasSeq)
        {
            fields.Add($"  \"seq\": {payload.Seq}");
        }

        text.Append(string.Join(",\n", fields));
        return text.Append("\n}").ToString();
    }

    private static string Metric(Payload.Types.Metric m, Func<ulong, string?>? nameOfAlias, bool last)
    {
        var parts = new List<string>();
        if (m.HasName)
        {
            parts.Add($"\"name\": {Quote(m.Name)}");
        }

        if (m.HasAlias)
        {
            parts.Add($"\"alias\": {m.Alias}");
        }

        if (m.HasTimestamp)
        {
            parts.Add($"\"timestamp\": {m.Timestamp}");
        }
        if (m.HasDatatype)
        {
            parts.Add($"\"dataType\": \"{(DataType)m.Datatype}\"");
        }

        if (m.HasIsHistorical && m.IsHistorical)
        {
            parts.Add("\"is_historical\": true");
        }

        if (m.HasIsNull && m.IsNull)
        {
            parts.Add("\"is_null\": true");
        }
        else
        {
            parts.Add($"\"value\": {Value(m)}");
        }

        var comment = !m.HasName && m.HasAlias && nameOfAlias?.Invoke(m.Alias) is { } name ? $"  // {name}" : string.Empty;
        return "{ " + string.Join(", ", parts) + " }" + (last ? string.Empty : ",") + comment;
    }

    private static string Value(Payload.Types.Metric m) => m.ValueCase switch
    {
        Payload.Types.Metric.ValueOneofCase.LongValue => m.LongValue.ToString(CultureInfo.InvariantCulture),
        Payload.Types.Metric.ValueOneofCase.IntValue => m.IntValue.ToString(CultureInfo.InvariantCulture),
        Payload.Types.Metric.ValueOneofCase.DoubleValue => m.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        Payload.Types.Metric.ValueOneofCase.FloatValue => m.FloatValue.ToString("R", CultureInfo.InvariantCulture),
        Payload.Types.Metric.ValueOneofCase.BooleanValue => m.BooleanValue ? "true" : "false",
        Payload.Types.Metric.ValueOneofCase.StringValue => Quote(m.StringValue),
        _ => "null",
    };

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
