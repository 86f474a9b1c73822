using System.Diagnostics.Metrics;
using EdgeInspect.Core.Statistics;
using EdgeInspect.Worker.Pipeline.Quality;

namespace EdgeInspect.Worker.Telemetry;

/// <summary>
/// The station-level instruments beside <see cref="PipelineMetrics"/>'s: parts by decision, what was dropped, the
/// outbox's size, and agreement with the inspectors. All are observable, read from the stages' own counters
/// (<see cref="StationFigures"/>) and the quality stage's snapshot when a reader collects, so the hot path records
/// nothing more for them.
/// </summary>
/// <remarks>
/// Names follow OpenTelemetry's conventions with UCUM units; a Prometheus scrape adds the unit and <c>_total</c>
/// suffixes (<c>edgeinspect_parts_total</c>, <c>edgeinspect_outbox_size_bytes</c>). Where the unit is a count of
/// things (<c>{part}</c>, which Prometheus drops), the thing counted is in the name itself, as Prometheus' own
/// conventions ask (<c>_parts_total</c>, <c>_records</c>). Agreement is a ratio (unit 1), so its name says so.
/// </remarks>
public sealed class StationInstruments : IDisposable
{
    private static readonly (string Figure, string Decision)[] Decisions =
        [("pipeline.decisions.pass", "pass"), ("pipeline.decisions.fail", "fail"), ("pipeline.decisions.no_decision", "no_decision")];

    private static readonly (string Figure, string DecidedBy)[] Deciders =
        [("pipeline.parts.decided_by.model", "model"), ("pipeline.parts.decided_by.human", "human"), ("pipeline.parts.decided_by.none", "none")];

    private readonly Meter _meter;
    private readonly StationFigures _figures;
    private readonly QualityStage _quality;

    public StationInstruments(StationFigures figures, QualityStage quality, PipelineMetrics pipeline)
    {
        _figures = figures;
        _quality = quality;
        _meter = new Meter(PipelineMetrics.MeterName);
        foreach (var (figure, cause) in StationDrops.Frames)
        {
            pipeline.RegisterFrameDrops(cause, () => figures.Count(figure));
        }

        _meter.CreateObservableCounter("edgeinspect.parts", () => Observe(Decisions, "decision"), "{part}", "Parts decided, by final decision.");
        _meter.CreateObservableCounter("edgeinspect.parts.decided_by", () => Observe(Deciders, "decided_by"), "{part}", "Parts decided, by who decided: the model, the inspector, or nobody.");
        _meter.CreateObservableCounter("edgeinspect.messages.dropped", () => Observe(StationDrops.Messages, "cause"), "{message}",
            "Events, metrics snapshots and sink writes lost, by cause (parts and audits wait instead).");
        _meter.CreateObservableCounter("edgeinspect.samples.dropped", () => Observe(StationDrops.Samples, "cause"), "{sample}",
            "Samples selected for retraining but not saved, by cause.");
        _meter.CreateObservableUpDownCounter("edgeinspect.outbox.size", () => figures.Count("outbox.bytes"), "By", "Bytes the durable outbox holds.");
        _meter.CreateObservableGauge("edgeinspect.agreement.ratio", ObserveAgreement, "1",
            "Agreement of the active model with the inspectors (estimate: point, or the 95% Wilson interval's bounds).");
        _meter.CreateObservableGauge("edgeinspect.agreement.kappa", ObserveKappa, "1", "Cohen's kappa of the active model against the inspectors.");
        _meter.CreateObservableUpDownCounter("edgeinspect.agreement.parts", ObserveCompared, "{part}", "Parts an inspector labelled and the agreement figures count.");
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> Observe(IReadOnlyList<(string Figure, string Label)> figures, string tag)
    {
        var values = _figures.Read();
        var measurements = new List<Measurement<long>>(figures.Count);
        foreach (var (figure, label) in figures)
        {
            if (values.TryGetValue(figure, out var value))
            {
                measurements.Add(new Measurement<long>((long)value, new KeyValuePair<string, object?>(tag, label)));
            }
        }

        return measurements;
    }

    private IEnumerable<(string Scope, string? Inspector, AgreementFigures Figures)> Comparisons()
    {
        var snapshot = _quality.AgreementSnapshot();
        yield return ("cumulative", null, snapshot.ModelVsHuman.Cumulative);
        yield return ("window", null, snapshot.ModelVsHuman.Window);
        foreach (var (inspector, figures) in snapshot.ByInspector)
        {
            yield return ("cumulative", inspector, figures.Cumulative);
        }
    }

    private IEnumerable<Measurement<double>> ObserveAgreement()
    {
        foreach (var (scope, inspector, figures) in Comparisons())
        {
            if (figures.Agreement is not { } agreement)
            {
                continue;
            }

            yield return new Measurement<double>(agreement, Tags(scope, inspector, "point"));
            if (figures.AgreementInterval95 is { } interval)
            {
                yield return new Measurement<double>(interval.Lower, Tags(scope, inspector, "lower95"));
                yield return new Measurement<double>(interval.Upper, Tags(scope, inspector, "upper95"));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveKappa()
    {
        foreach (var (scope, inspector, figures) in Comparisons())
        {
            if (figures.Kappa is { } kappa && double.IsFinite(kappa))
            {
                yield return new Measurement<double>(kappa, Tags(scope, inspector, null));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveCompared()
    {
        foreach (var (scope, inspector, figures) in Comparisons())
        {
            yield return new Measurement<long>(figures.Parts, Tags(scope, inspector, null));
        }
    }

    private static KeyValuePair<string, object?>[] Tags(string scope, string? inspector, string? estimate)
    {
        var tags = new List<KeyValuePair<string, object?>>(3) { new("scope", scope), new("inspector", inspector ?? "all") };
        if (estimate is not null)
        {
            tags.Add(new("estimate", estimate));
        }

        return [.. tags];
    }
}
