using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace EdgeInspect.Core.Models;

// The raw shape of model.json, as System.Text.Json reads it: everything nullable, so a missing field becomes a
// ConfigError naming it instead of a serializer exception. ModelManifestReader turns it into a ModelManifest.

internal sealed class ManifestDocument
{
    public int? Format { get; set; }
    public string? Name { get; set; }
    public string? Version { get; set; }
    public string? Model { get; set; }
    public string? Sha256 { get; set; }
    public InputDocument? Input { get; set; }
    public OutputDocument? Output { get; set; }
    public DecisionDocument? Decision { get; set; }
    public List<GoldenDocument?>? GoldenSamples { get; set; }
    public JsonObject? Baseline { get; set; }
}

internal sealed class InputDocument
{
    public string? Tensor { get; set; }
    public List<long>? Shape { get; set; }
    public string? ElementType { get; set; }
    public string? Layout { get; set; }
    public string? PixelOrder { get; set; }
    public RoiDocument? Roi { get; set; }
    public string? Resize { get; set; }
    public double? Scale { get; set; }
    public List<double>? Mean { get; set; }
    public List<double>? Std { get; set; }
}

internal sealed class RoiDocument
{
    public int? X { get; set; }
    public int? Y { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
}

internal sealed class OutputDocument
{
    public string? Kind { get; set; }
    public string? Tensor { get; set; }
    public List<string?>? ClassNames { get; set; }
    public string? OkClass { get; set; }
}

internal sealed class DecisionDocument
{
    public double? DefectThreshold { get; set; }
    public BandDocument? UncertaintyBand { get; set; }
}

internal sealed class BandDocument
{
    public double? Low { get; set; }
    public double? High { get; set; }
}

internal sealed class GoldenDocument
{
    public string? Image { get; set; }
    public string? ExpectedClass { get; set; }
    public List<double>? ExpectedOutput { get; set; }
    public double? Tolerance { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ManifestDocument))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
