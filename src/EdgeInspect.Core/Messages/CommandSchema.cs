using System.Text.Json;

namespace EdgeInspect.Core.Messages;

/// <summary>JSON types a command argument may take.</summary>
public enum ArgType
{
    /// <summary>A JSON string that is also a name (see <see cref="Names"/>): never blank, no control characters.</summary>
    String,
    Integer,
    Number,
    Boolean,
}

/// <summary>One argument of a command: name, type and limits.</summary>
/// <param name="Name">Property name inside "args".</param>
/// <param name="Type">Required JSON type.</param>
/// <param name="Required">Whether the argument must be present.</param>
/// <param name="OneOf">For strings: the allowed values.</param>
/// <param name="MaxLength">For strings: the longest value accepted.</param>
/// <param name="Min">For numbers: the smallest value accepted.</param>
/// <param name="Max">For numbers: the largest value accepted.</param>
public sealed record ArgSpec(
    string Name,
    ArgType Type,
    bool Required = true,
    IReadOnlyList<string>? OneOf = null,
    int MaxLength = 256,
    double? Min = null,
    double? Max = null);

/// <summary>
/// The shape of a command's "args" object. Deliberately small (names, types, enums, ranges), closed by default:
/// an argument the schema does not name is a rejection, so a typo never silently does nothing.
/// </summary>
public sealed class CommandSchema(params ArgSpec[] args)
{
    public static CommandSchema Empty { get; } = new();

    public IReadOnlyList<ArgSpec> Args { get; } = args;

    /// <summary>Null when <paramref name="args"/> fits; otherwise the first problem, phrased for the operator.</summary>
    public string? Validate(JsonElement args)
    {
        if (args.ValueKind != JsonValueKind.Object)
        {
            return $"args must be a JSON object, not {Describe(args.ValueKind)}";
        }

        foreach (var property in args.EnumerateObject())
        {
            if (!Args.Any(a => a.Name == property.Name))
            {
                var known = Args.Count == 0 ? "none" : string.Join(", ", Args.Select(a => a.Name));
                return $"unknown argument '{Truncate(property.Name)}' (known: {known})";
            }
        }

        foreach (var spec in Args)
        {
            if (!args.TryGetProperty(spec.Name, out var value))
            {
                if (spec.Required)
                {
                    return $"argument '{spec.Name}' is missing";
                }

                continue;
            }

            if (Check(spec, value) is { } problem)
            {
                return $"argument '{spec.Name}' {problem}";
            }
        }

        return null;
    }

    private static string? Check(ArgSpec spec, JsonElement value)
    {
        switch (spec.Type)
        {
            case ArgType.String:
                if (value.ValueKind != JsonValueKind.String)
                {
                    return $"must be a string, not {Describe(value.ValueKind)}";
                }

                var text = value.GetString()!;
                // Every string arg is a name, an id or a one-line reason: blank or control characters say nothing
                // (an empty inspectorId once made the station answer " is at left").
                if (Names.Problem(text) is { } nameProblem)
                {
                    return nameProblem;
                }

                if (text.Length > spec.MaxLength)
                {
                    return $"is {text.Length} characters; the limit is {spec.MaxLength}";
                }

                if (spec.OneOf is { } allowed && !allowed.Contains(text, StringComparer.Ordinal))
                {
                    return $"is '{Truncate(text)}'; expected one of {string.Join(", ", allowed)}";
                }

                return null;
            case ArgType.Boolean:
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"must be true or false, not {Describe(value.ValueKind)}";
            case ArgType.Integer:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var integer))
                {
                    return $"must be an integer, not {Describe(value.ValueKind)}";
                }

                return Range(spec, integer);
            case ArgType.Number:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
                {
                    return $"must be a number, not {Describe(value.ValueKind)}";
                }

                return Range(spec, number);
            default:
                return "has an unsupported type in the schema";
        }
    }

    private static string? Range(ArgSpec spec, double value) =>
        (spec.Min is { } min && value < min) || (spec.Max is { } max && value > max)
            ? $"is {value}; expected {spec.Min?.ToString() ?? "-inf"}..{spec.Max?.ToString() ?? "+inf"}"
            : null;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    internal static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
