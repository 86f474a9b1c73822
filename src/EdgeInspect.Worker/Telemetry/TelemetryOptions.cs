using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Worker.Telemetry;

/// <summary>How OTLP carries the metrics to a collector.</summary>
public enum OtlpProtocol
{
    /// <summary>OTLP over gRPC (a collector's port 4317).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies (port 4318, path /v1/metrics).</summary>
    HttpProtobuf,
}

/// <summary>
/// The "telemetry" section: where the station's instruments go besides the <c>metrics</c> topic. The dashboard's
/// <c>/metrics</c> (Prometheus) needs nothing here; OTLP export starts when <see cref="OtlpEndpoint"/> is set.
/// </summary>
public sealed class TelemetryOptions : IConfigSection
{
    /// <summary>An OpenTelemetry collector, e.g. "http://127.0.0.1:4317"; empty: no OTLP export.</summary>
    public string OtlpEndpoint { get; set; } = "";

    public OtlpProtocol OtlpProtocol { get; set; } = OtlpProtocol.Grpc;

    /// <summary>How often the metrics are pushed over OTLP.</summary>
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one OTLP export may take before it is abandoned (the next one carries the totals: they are cumulative).</summary>
    public TimeSpan ExportTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public bool OtlpEnabled => OtlpEndpoint.Length > 0;

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (OtlpEndpoint.Length > 0
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "otlpEndpoint"), $"is \"{OtlpEndpoint}\"",
                "the URL of an OpenTelemetry collector, such as \"http://127.0.0.1:4317\" (gRPC) or \"http://127.0.0.1:4318/v1/metrics\" (httpProtobuf), or empty for none"));
        }

        if (ExportInterval < TimeSpan.FromSeconds(1) || ExportInterval > TimeSpan.FromHours(1))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "exportInterval"), $"is {ExportInterval}", "a TimeSpan from 00:00:01 to 01:00:00, such as \"00:00:10\""));
        }

        if (ExportTimeout < TimeSpan.FromMilliseconds(100) || ExportTimeout > ExportInterval)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "exportTimeout"), $"is {ExportTimeout}",
                $"a TimeSpan from 00:00:00.1 up to exportInterval ({ExportInterval}), such as \"00:00:05\""));
        }
    }
}
