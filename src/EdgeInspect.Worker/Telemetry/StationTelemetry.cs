using EdgeInspect.Worker.Config;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace EdgeInspect.Worker.Telemetry;

/// <summary>
/// The OpenTelemetry SDK over the station's instruments (the <see cref="PipelineMetrics.MeterName"/> meters): a
/// Prometheus reader for the dashboard's <c>/metrics</c>, and an OTLP exporter when <c>telemetry:otlpEndpoint</c> is
/// set. Built only when one of them is wanted; otherwise the instruments cost what System.Diagnostics.Metrics costs
/// with no listener.
/// </summary>
/// <remarks>
/// One provider per station, owned here and disposed with the station's container (the OTLP exporter pushes once more
/// on dispose). The resource names the device, so a collector holding many stations tells them apart.
/// </remarks>
public sealed class StationTelemetry : IDisposable
{
    private readonly StationInstruments _instruments;

    /// <param name="config">The station file: identity and the "telemetry" section.</param>
    /// <param name="instruments">The station-level instruments (observed by this provider's readers).</param>
    /// <param name="prometheus">Add the Prometheus reader (the dashboard serves it on /metrics).</param>
    public StationTelemetry(StationConfig config, StationInstruments instruments, bool prometheus)
    {
        _instruments = instruments;
        var options = config.Section<TelemetryOptions>("telemetry");
        var station = config.Options.Station;
        Prometheus = prometheus;
        Otlp = options.OtlpEnabled ? new Uri(options.OtlpEndpoint) : null;
        if (!prometheus && Otlp is null)
        {
            return;
        }

        var builder = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty()
                .AddService("edgeinspect", serviceVersion: typeof(StationTelemetry).Assembly.GetName().Version?.ToString(), serviceInstanceId: station.DeviceId)
                .AddAttributes(new Dictionary<string, object>
                {
                    ["edgeinspect.site"] = station.Site,
                    ["edgeinspect.area"] = station.Area,
                    ["edgeinspect.line"] = station.Line,
                    ["edgeinspect.station"] = station.Name,
                }))
            .AddMeter(PipelineMetrics.MeterName);
        if (prometheus)
        {
            // Scrapes read the instruments themselves; a cache would only serve figures older than the scrape asked for.
            builder.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
        }

        if (Otlp is { } endpoint)
        {
            builder.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = options.OtlpProtocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                exporter.TimeoutMilliseconds = (int)options.ExportTimeout.TotalMilliseconds;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.ExportInterval.TotalMilliseconds;
                reader.PeriodicExportingMetricReaderOptions.ExportTimeoutMilliseconds = (int)options.ExportTimeout.TotalMilliseconds;
            });
        }

        Provider = builder.Build();
    }

    /// <summary>The SDK's provider; null when neither Prometheus nor OTLP is wanted.</summary>
    public MeterProvider? Provider { get; }

    /// <summary>The provider has a Prometheus reader for <c>/metrics</c>.</summary>
    public bool Prometheus { get; }

    /// <summary>The OTLP collector the metrics are pushed to; null when none.</summary>
    public Uri? Otlp { get; }

    public void Dispose()
    {
        Provider?.Dispose();
        _instruments.Dispose();
    }
}
