using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeInspect.Worker.Replay;

/// <summary>report.json: the <see cref="ReplayReport"/> in camelCase, through source-generated metadata (trim-safe, no reflection).</summary>
public static class ReportJsonWriter
{
    public const string FileName = "report.json";

    public static string Serialize(ReplayReport report) => JsonSerializer.Serialize(report, ReplayReportJsonContext.Default.ReplayReport);

    public static ReplayReport Deserialize(string json) =>
        JsonSerializer.Deserialize(json, ReplayReportJsonContext.Default.ReplayReport)
        ?? throw new JsonException("report.json holds null instead of a report.");

    /// <summary>Writes report.json into the folder (created if missing) and returns its path.</summary>
    public static async Task<string> WriteAsync(ReplayReport report, string directory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(stream, report, ReplayReportJsonContext.Default.ReplayReport, cancellationToken);
        }

        // A reader never sees half a report, even if the run is killed while writing.
        File.Move(temp, path, overwrite: true);
        return path;
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ReplayReport))]
internal sealed partial class ReplayReportJsonContext : JsonSerializerContext;
