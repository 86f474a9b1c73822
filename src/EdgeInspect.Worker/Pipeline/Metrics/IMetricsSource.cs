namespace EdgeInspect.Worker.Pipeline.Metrics;

/// <summary>
/// Something with counters for the metrics snapshot: each stage, and whatever the host adds beside the pipeline (the
/// outbox and the plant link). The metrics stage asks every registered source at each snapshot.
/// </summary>
/// <remarks>Called from the metrics stage's task while the pipeline runs: read counters, never wait.</remarks>
public interface IMetricsSource
{
    /// <summary>Writes this source's figures under OpenTelemetry-style dotted names ("pipeline.parts.inspected").</summary>
    void WriteTo(IDictionary<string, double> values);
}
