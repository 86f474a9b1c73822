using System.Collections.Immutable;
using System.Text.Json;
using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Models;

/// <summary>
/// Reads and validates model.json. Every problem becomes one <see cref="ConfigError"/> whose path is the JSON path of
/// the field (e.g. "decision.defect_threshold"), whose problem states the value found and whose expectation states
/// the value wanted; a manifest with any error is refused as a whole.
/// </summary>
public static class ModelManifestReader
{
    /// <summary>The one format version this reader understands.</summary>
    public const int CurrentFormat = 1;

    /// <summary>The largest input tensor side: it keeps C×H×W (the floats allocated per frame) inside an int.</summary>
    public const int MaxTensorSide = 8192;

    /// <summary>The largest ROI coordinate or size, in frame pixels: x + width always fits an int.</summary>
    public const int MaxFramePixels = 65535;

    /// <summary>Parses and validates manifest JSON.</summary>
    /// <exception cref="ModelPackageException">The JSON is malformed or any field is missing or out of range.</exception>
    public static ModelManifest Parse(string json, string package = "model.json")
    {
        ManifestDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, ManifestJsonContext.Default.ManifestDocument);
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : "model.json";
            throw new ModelPackageException(package, [new ConfigError(path, $"is not valid JSON (line {e.LineNumber + 1}): {FirstSentence(e.Message)}", "a JSON value of the documented type")]);
        }

        if (document is null)
        {
            throw new ModelPackageException(package, [new ConfigError("model.json", "is JSON null", "a JSON object")]);
        }

        var errors = new List<ConfigError>();
        var manifest = Validate(document, errors);
        if (errors.Count > 0 || manifest is null)
        {
            throw new ModelPackageException(package, errors);
        }

        return manifest;
    }

    private static ModelManifest? Validate(ManifestDocument d, List<ConfigError> errors)
    {
        if (d.Format != CurrentFormat)
        {
            errors.Add(new("format", d.Format is null ? "is missing" : $"is {d.Format}", $"{CurrentFormat}"));
        }

        var name = RequiredText(d.Name, "name", errors);
        var version = RequiredText(d.Version, "version", errors);
        var model = RelativePath(d.Model, "model", errors);
        var sha = d.Sha256?.Trim().ToLowerInvariant();
        if (sha is null || sha.Length != 64 || !sha.All(Uri.IsHexDigit))
        {
            errors.Add(new("sha256", sha is null ? "is missing" : $"is \"{d.Sha256}\"", "64 hex digits: the sha256 of the model file"));
        }

        var input = ValidateInput(d.Input, errors);
        var output = ValidateOutput(d.Output, errors);
        var decision = ValidateDecision(d.Decision, errors);
        var golden = ValidateGolden(d.GoldenSamples, output, errors);
        if (errors.Count > 0)
        {
            return null;
        }

        return new ModelManifest(CurrentFormat, new ModelIdentity(name!, version!, sha!), model!, input!, output!, decision!, golden, d.Baseline);
    }

    private static InputContract? ValidateInput(InputDocument? i, List<ConfigError> errors)
    {
        if (i is null)
        {
            errors.Add(new("input", "is missing", "an object: tensor, shape, layout, pixel_order, roi, resize, scale, mean, std"));
            return null;
        }

        var start = errors.Count;
        var tensor = RequiredText(i.Tensor, "input.tensor", errors);
        if (i.Shape is null || i.Shape.Count != 4 || i.Shape.Any(v => v is <= 0 or > MaxTensorSide))
        {
            errors.Add(new("input.shape", i.Shape is null ? "is missing" : $"is [{string.Join(", ", i.Shape)}]", $"[1, C, H, W] with every size from 1 to {MaxTensorSide}"));
        }
        else if (i.Shape[0] != 1)
        {
            errors.Add(new("input.shape[0]", $"is {i.Shape[0]}", "1 (one frame per inference)"));
        }
        else if (i.Shape[1] != 3)
        {
            errors.Add(new("input.shape[1]", $"is {i.Shape[1]}", "3 (colour channels)"));
        }

        if (i.ElementType is not null && i.ElementType != "float32")
        {
            errors.Add(new("input.element_type", $"is \"{i.ElementType}\"", "\"float32\""));
        }

        OneOf(i.Layout, "input.layout", ["NCHW"], errors);
        var order = OneOf(i.PixelOrder, "input.pixel_order", ["RGB", "BGR"], errors);
        OneOf(i.Resize, "input.resize", ["bilinear"], errors);

        PixelRect roi = default;
        if (i.Roi is null)
        {
            errors.Add(new("input.roi", "is missing", "an object {x, y, width, height} in frame pixels"));
        }
        else
        {
            var x = NonNegative(i.Roi.X, "input.roi.x", errors);
            var y = NonNegative(i.Roi.Y, "input.roi.y", errors);
            var w = Positive(i.Roi.Width, "input.roi.width", errors);
            var h = Positive(i.Roi.Height, "input.roi.height", errors);
            roi = new PixelRect(x, y, w, h);
        }

        // The preprocessor works in float32: a double that is finite but outside float32 (1e39) would become infinity.
        var scale = FiniteNumber(i.Scale, "input.scale", "a float32 number > 0, e.g. 0.00392156862745098 (1/255)", errors, v => (float)v > 0 && float.IsFinite((float)v));
        var mean = Triple(i.Mean, "input.mean", "3 float32 numbers, one per channel in pixel_order", errors, _ => true);
        var std = Triple(i.Std, "input.std", "3 float32 numbers > 0, one per channel in pixel_order", errors, v => v > 0);
        if (errors.Count > start)
        {
            return null;
        }

        return new InputContract(tensor!, [.. i.Shape!], "NCHW", order == "BGR" ? PixelOrder.Bgr : PixelOrder.Rgb, roi, "bilinear", (float)scale, mean, std);
    }

    private static OutputContract? ValidateOutput(OutputDocument? o, List<ConfigError> errors)
    {
        if (o is null)
        {
            errors.Add(new("output", "is missing", "an object: kind, tensor, class_names, ok_class"));
            return null;
        }

        var start = errors.Count;
        var kind = OneOf(o.Kind, "output.kind", ["class_probs", "defect_score"], errors);
        var tensor = RequiredText(o.Tensor, "output.tensor", errors);
        var names = o.ClassNames;
        if (names is null || names.Count == 0)
        {
            errors.Add(new("output.class_names", names is null ? "is missing" : "is empty", "the class names in output order, e.g. [\"ok\", \"scratch\"]"));
        }
        else
        {
            for (var n = 0; n < names.Count; n++)
            {
                if (Names.Problem(names[n]) is { } problem)
                {
                    errors.Add(new($"output.class_names[{n}]", problem, "a class name"));
                }
                else if (names.IndexOf(names[n]) != n)
                {
                    errors.Add(new($"output.class_names[{n}]", $"repeats \"{names[n]}\"", "unique class names"));
                }
            }

            if (kind == "defect_score" && names.Count != 2)
            {
                errors.Add(new("output.class_names", $"has {names.Count} names", "2 names for kind defect_score: the ok class and the defect class, e.g. [\"ok\", \"defect\"]"));
            }
        }

        var ok = RequiredText(o.OkClass, "output.ok_class", errors);
        if (ok is not null && names is not null && !names.Contains(ok))
        {
            errors.Add(new("output.ok_class", $"is \"{ok}\"", $"one of output.class_names ({string.Join(", ", names)})"));
        }

        if (errors.Count > start)
        {
            return null;
        }

        return new OutputContract(kind == "defect_score" ? OutputKind.DefectScore : OutputKind.ClassProbabilities, tensor!, [.. names!.Select(n => n!)], ok!);
    }

    private static DecisionRules? ValidateDecision(DecisionDocument? d, List<ConfigError> errors)
    {
        if (d is null)
        {
            errors.Add(new("decision", "is missing", "an object: defect_threshold, uncertainty_band {low, high}"));
            return null;
        }

        const string unit = "a finite number in [0, 1]";
        var start = errors.Count;
        var threshold = FiniteNumber(d.DefectThreshold, "decision.defect_threshold", unit, errors, v => v is >= 0 and <= 1);
        if (d.UncertaintyBand is null)
        {
            errors.Add(new("decision.uncertainty_band", "is missing", "an object {low, high} around defect_threshold"));
            return null;
        }

        var low = FiniteNumber(d.UncertaintyBand.Low, "decision.uncertainty_band.low", unit, errors, v => v is >= 0 and <= 1);
        var high = FiniteNumber(d.UncertaintyBand.High, "decision.uncertainty_band.high", unit, errors, v => v is >= 0 and <= 1);
        if (errors.Count == start && !(low <= threshold && threshold <= high))
        {
            errors.Add(new("decision.uncertainty_band", $"is [{low}, {high}] around a threshold of {threshold}", "low <= defect_threshold <= high"));
        }

        return errors.Count > start ? null : new DecisionRules(threshold, low, high);
    }

    private static ImmutableArray<GoldenSample> ValidateGolden(List<GoldenDocument?>? samples, OutputContract? output, List<ConfigError> errors)
    {
        if (samples is null || samples.Count == 0)
        {
            errors.Add(new("golden_samples", samples is null ? "is missing" : "is empty", "at least one {image, expected_class, expected_output, tolerance}: the load-time self-test"));
            return [];
        }

        var result = ImmutableArray.CreateBuilder<GoldenSample>(samples.Count);
        for (var s = 0; s < samples.Count; s++)
        {
            var path = $"golden_samples[{s}]";
            var g = samples[s];
            if (g is null)
            {
                errors.Add(new(path, "is null", "an object {image, expected_class, expected_output, tolerance}"));
                continue;
            }

            var image = RelativePath(g.Image, $"{path}.image", errors);
            var expectedClass = RequiredText(g.ExpectedClass, $"{path}.expected_class", errors);
            if (expectedClass is not null && output is not null && !output.ClassNames.Contains(expectedClass))
            {
                errors.Add(new($"{path}.expected_class", $"is \"{expectedClass}\"", $"one of output.class_names ({string.Join(", ", output.ClassNames)})"));
            }

            var values = g.ExpectedOutput;
            if (values is null || values.Count == 0)
            {
                errors.Add(new($"{path}.expected_output", "is missing", "the output tensor's values for this image"));
            }
            else
            {
                if (output is not null && values.Count != output.ElementCount)
                {
                    errors.Add(new($"{path}.expected_output", $"has {values.Count} values", $"{output.ElementCount} (the output tensor's size)"));
                }

                for (var v = 0; v < values.Count; v++)
                {
                    if (!float.IsFinite((float)values[v]))
                    {
                        errors.Add(new($"{path}.expected_output[{v}]", $"is {values[v]}", "a finite float32 number (the model's output type)"));
                    }
                }
            }

            var tolerance = FiniteNumber(g.Tolerance, $"{path}.tolerance", "a finite number > 0, e.g. 0.0001", errors, v => v > 0);
            if (image is not null && expectedClass is not null && values is not null)
            {
                result.Add(new GoldenSample(image, expectedClass, [.. values.Select(v => (float)v)], tolerance));
            }
        }

        return result.ToImmutable();
    }

    private static string? RequiredText(string? value, string path, List<ConfigError> errors)
    {
        if (Names.Problem(value) is { } problem)
        {
            errors.Add(new(path, problem, "a non-empty string without control characters"));
            return null;
        }

        return value;
    }

    /// <summary>A path inside the package: relative, no "..", no rooted or home-relative forms. The loader also
    /// resolves links, so a symlink inside the folder that points out of it is refused too.</summary>
    internal static string? RelativePath(string? value, string path, List<ConfigError> errors)
    {
        var text = RequiredText(value, path, errors);
        if (text is null)
        {
            return null;
        }

        var segments = text.Replace('\\', '/').Split('/');
        if (Path.IsPathRooted(text) || text.StartsWith('~') || segments.Contains(".."))
        {
            errors.Add(new(path, $"is \"{text}\", which leaves the package folder", "a path relative to the package folder, without \"..\""));
            return null;
        }

        return text;
    }

    private static string? OneOf(string? value, string path, string[] allowed, List<ConfigError> errors)
    {
        var expected = "one of " + string.Join(", ", allowed);
        if (value is null)
        {
            errors.Add(new(path, "is missing", expected));
            return null;
        }

        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            errors.Add(new(path, $"is \"{value}\"", expected));
            return null;
        }

        return value;
    }

    private static double FiniteNumber(double? value, string path, string expected, List<ConfigError> errors, Func<double, bool> inRange)
    {
        if (value is not { } v)
        {
            errors.Add(new(path, "is missing", expected));
            return double.NaN;
        }

        if (!double.IsFinite(v) || !inRange(v))
        {
            errors.Add(new(path, $"is {v}", expected));
            return double.NaN;
        }

        return v;
    }

    private static ImmutableArray<float> Triple(List<double>? values, string path, string expected, List<ConfigError> errors, Func<double, bool> inRange)
    {
        if (values is null || values.Count != 3)
        {
            errors.Add(new(path, values is null ? "is missing" : $"has {values.Count} values", expected));
            return [];
        }

        for (var c = 0; c < 3; c++)
        {
            var single = (float)values[c];
            if (!float.IsFinite(single) || !inRange(single))
            {
                errors.Add(new($"{path}[{c}]", $"is {values[c]}", expected));
            }
        }

        return [.. values.Select(v => (float)v)];
    }

    private static int NonNegative(int? value, string path, List<ConfigError> errors)
    {
        if (value is not { } v || v is < 0 or > MaxFramePixels)
        {
            errors.Add(new(path, value is null ? "is missing" : $"is {value}", $"an integer from 0 to {MaxFramePixels} (frame pixels)"));
            return 0;
        }

        return v;
    }

    private static int Positive(int? value, string path, List<ConfigError> errors)
    {
        if (value is not { } v || v is <= 0 or > MaxFramePixels)
        {
            errors.Add(new(path, value is null ? "is missing" : $"is {value}", $"an integer from 1 to {MaxFramePixels} (frame pixels)"));
            return 0;
        }

        return v;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
