using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Worker.Telemetry;

/// <summary>One interval's software, input and output metrics: the payload of the `metrics` topic.</summary>
/// <param name="At">End of the interval (UTC).</param>
/// <param name="Interval">How long the interval was.</param>
/// <param name="Stages">Latency per pipeline stage.</param>
/// <param name="FramesPerSecond">Frames per second per camera over the interval.</param>
/// <param name="QueueDepths">Items waiting in each registered queue at the end of the interval.</param>
/// <param name="Drops">Frames dropped during the interval, by cause.</param>
/// <param name="OutboxDepth">Records waiting in the outbox, if one is registered.</param>
/// <param name="CpuUtilization">Process CPU over the interval, as a fraction of all cores.</param>
/// <param name="Process">Process and device figures at the end of the interval.</param>
/// <param name="AllocatedBytesInInterval">Managed bytes allocated during the interval.</param>
/// <param name="Inputs">Mean of each input metric per camera over the interval.</param>
/// <param name="Output">Model outputs over the interval.</param>
public sealed record MetricsSnapshot(
    DateTimeOffset At,
    TimeSpan Interval,
    IReadOnlyDictionary<string, LatencySummary> Stages,
    IReadOnlyDictionary<string, double> FramesPerSecond,
    IReadOnlyDictionary<string, long> QueueDepths,
    IReadOnlyDictionary<string, long> Drops,
    long? OutboxDepth,
    double CpuUtilization,
    ProcessStats Process,
    long AllocatedBytesInInterval,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Inputs,
    OutputMetricsSnapshot Output)
{
    /// <summary>The JSON payload (snake_case; durations in milliseconds, sizes in bytes).</summary>
    public JsonObject ToJson()
    {
        static JsonObject Map<T>(IEnumerable<KeyValuePair<string, T>> items, Func<T, JsonNode?> value)
        {
            var json = new JsonObject();
            foreach (var (key, item) in items)
            {
                json[key] = value(item);
            }

            return json;
        }

        static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 6)) : null;

        return new JsonObject
        {
            ["at"] = At.ToString("O"),
            ["interval_s"] = Number(Interval.TotalSeconds),
            ["stages"] = Map(Stages, s => new JsonObject
            {
                ["count"] = s.Count,
                ["mean_ms"] = Number(s.MeanSeconds * 1e3),
                ["p50_ms"] = Number(s.P50Seconds * 1e3),
                ["p95_ms"] = Number(s.P95Seconds * 1e3),
                ["p99_ms"] = Number(s.P99Seconds * 1e3),
                ["max_ms"] = Number(s.MaxSeconds * 1e3),
            }),
            ["fps"] = Map(FramesPerSecond, Number),
            ["queues"] = Map(QueueDepths, d => JsonValue.Create(d)),
            ["drops"] = Map(Drops, d => JsonValue.Create(d)),
            ["outbox_depth"] = OutboxDepth is { } depth ? JsonValue.Create(depth) : null,
            ["process"] = new JsonObject
            {
                ["cpu_utilization"] = Number(CpuUtilization),
                ["cpu_time_s"] = Number(Process.CpuTime.TotalSeconds),
                ["rss_bytes"] = Process.ResidentBytes is { } rss ? JsonValue.Create(rss) : null,
                ["rss_peak_bytes"] = Process.PeakResidentBytes is { } hwm ? JsonValue.Create(hwm) : null,
                ["gc_collections"] = new JsonArray(Process.GcCollections.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
                ["allocated_bytes"] = Process.AllocatedBytes,
                ["allocated_bytes_interval"] = AllocatedBytesInInterval,
                ["temperature_c"] = Process.TemperatureCelsius is { } t ? Number(t) : null,
            },
            ["inputs"] = Map(Inputs, means => Map(means, Number)),
            ["output"] = new JsonObject
            {
                ["predictions"] = Output.Predictions,
                ["defects"] = Output.Defects,
                ["defect_rate"] = Number(Output.DefectRate),
                ["classes"] = Map(Output.Classes, c => JsonValue.Create(c)),
                ["score_histogram"] = new JsonArray(Output.ScoreHistogram.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
                ["uncertain"] = Output.Uncertain,
                ["uncertain_fraction"] = Number(Output.UncertainFraction),
                ["failed"] = Output.Failed,
                ["empty"] = Output.Empty,
            },
        };
    }

    public string ToJsonString() => ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
