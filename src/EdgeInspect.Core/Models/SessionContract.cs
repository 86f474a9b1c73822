using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Models;

/// <summary>One input or output of a loaded model, as the runtime reports it.</summary>
/// <param name="Name">The tensor's name in the graph.</param>
/// <param name="ElementType">ONNX element type name, e.g. "float32", "uint8", "int64".</param>
/// <param name="Shape">Dimensions; -1 for a dynamic one (e.g. the batch axis "N").</param>
public sealed record TensorSpec(string Name, string ElementType, IReadOnlyList<long> Shape)
{
    public override string ToString() => $"{Name} {ElementType}[{string.Join(", ", Shape.Select(d => d < 0 ? "?" : d.ToString()))}]";
}

/// <summary>Checks a manifest's input and output contract against what the runtime says the model is.</summary>
public static class SessionContract
{
    /// <summary>Every mismatch: names, element types, ranks and sizes (a dynamic dimension accepts any size).</summary>
    public static IReadOnlyList<ConfigError> Check(ModelManifest manifest, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs)
    {
        var errors = new List<ConfigError>();
        if (inputs.Count != 1)
        {
            errors.Add(new("input.tensor", $"the model has {inputs.Count} inputs ({string.Join("; ", inputs)})", "a model with exactly one input (the image)"));
        }

        var input = inputs.FirstOrDefault(i => i.Name == manifest.Input.Tensor);
        if (input is null)
        {
            errors.Add(new("input.tensor", $"is \"{manifest.Input.Tensor}\" but the model's inputs are {Names(inputs)}", "the name of the model's image input"));
        }
        else
        {
            CheckTensor("input", input, manifest.Input.Shape, errors);
        }

        var output = outputs.FirstOrDefault(o => o.Name == manifest.Output.Tensor);
        if (output is null)
        {
            errors.Add(new("output.tensor", $"is \"{manifest.Output.Tensor}\" but the model's outputs are {Names(outputs)}", "the name of one of the model's outputs"));
        }
        else
        {
            CheckTensor("output", output, [1, manifest.Output.ElementCount], errors);
        }

        return errors;
    }

    private static void CheckTensor(string field, TensorSpec actual, IReadOnlyList<long> expected, List<ConfigError> errors)
    {
        if (actual.ElementType != "float32")
        {
            errors.Add(new($"{field}.tensor", $"\"{actual.Name}\" has element type {actual.ElementType}", "float32"));
        }

        var shapeField = field == "input" ? "input.shape" : field == "output" ? "output.class_names" : field;
        if (actual.Shape.Count != expected.Count)
        {
            errors.Add(new(shapeField, $"describes [{string.Join(", ", expected)}] but the model's \"{actual.Name}\" is {actual}", $"rank {actual.Shape.Count}"));
            return;
        }

        for (var d = 0; d < expected.Count; d++)
        {
            if (actual.Shape[d] >= 0 && actual.Shape[d] != expected[d])
            {
                var where = field == "input" ? $"input.shape[{d}]" : shapeField;
                errors.Add(new(where, $"gives {expected[d]} but the model's \"{actual.Name}\" is {actual}", $"{actual.Shape[d]}"));
            }
        }
    }

    private static string Names(IReadOnlyList<TensorSpec> specs) => specs.Count == 0 ? "(none)" : string.Join(", ", specs.Select(s => $"\"{s.Name}\""));
}
