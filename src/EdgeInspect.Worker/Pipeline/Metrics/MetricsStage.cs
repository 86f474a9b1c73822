using System.Text.Json.Nodes;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Pipeline.Output;
using EdgeInspect.Worker.Telemetry;

namespace EdgeInspect.Worker.Pipeline.Metrics;

/// <summary>
/// The metrics body: every <c>pipeline:metricsInterval</c> (and on cmd/snapshot, and once at the end of a run) one
/// flat snapshot of dotted names: each stage's counters (<see cref="IMetricsSource"/>), the instruments' stage
/// latencies, input and output metrics, process figures, and whatever the host registers (outbox, link).
/// </summary>
/// <remarks>
/// Owns the interval of <see cref="PipelineMetrics.TakeSnapshot"/> (one publisher at a time, hence the lock, which is
/// never held across a wait). A periodic or requested snapshot never waits for room: a full output queue drops it,
/// counted; the final one waits, so a run always ends with its totals.
/// </remarks>
public sealed class MetricsStage(IEnumerable<IMetricsSource> sources, PipelineMetrics instruments, OutputStage output, PipelineOptions options, TimeProvider time)
{
    private readonly IMetricsSource[] _sources = [.. sources];
    private readonly Lock _snapshotGate = new();

    /// <summary>Publishes a snapshot every interval until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(options.MetricsInterval, time, stoppingToken);
                PublishNow();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Queues a snapshot now (cmd/snapshot); never waits.</summary>
    public void PublishNow() => output.TryWrite(StationOutput.Of(Build()));

    /// <summary>The last snapshot of a run, after every stage drained; waits for room.</summary>
    public ValueTask PublishFinalAsync() => output.WriteAsync(StationOutput.Of(Build()));

    /// <summary>Every figure now, by its dotted name.</summary>
    public MetricsBody Build()
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var source in _sources)
        {
            source.WriteTo(values);
        }

        JsonObject snapshot;
        lock (_snapshotGate)
        {
            snapshot = instruments.TakeSnapshot().ToJson();
        }

        Flatten(values, "", snapshot);
        return new MetricsBody(values);
    }

    /// <summary>Puts every numeric leaf of the instruments' snapshot into the flat body under its dotted path.</summary>
    private static void Flatten(Dictionary<string, double> values, string prefix, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    Flatten(values, prefix.Length == 0 ? key : $"{prefix}.{key}", child);
                }

                break;
            case JsonValue value when value.TryGetValue<double>(out var number) && double.IsFinite(number):
                values[prefix] = number;
                break;
            case JsonValue value when value.TryGetValue<long>(out var whole):
                values[prefix] = whole;
                break;
            case JsonValue value when value.TryGetValue<int>(out var small):
                values[prefix] = small;
                break;
        }
    }
}
