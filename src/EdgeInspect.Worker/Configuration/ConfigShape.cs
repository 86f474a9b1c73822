using System.Collections;
using System.Globalization;
using System.Reflection;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Configuration;
using Microsoft.Extensions.Configuration;

namespace EdgeInspect.Worker.Configuration;

/// <summary>
/// Checks a config section against the shape of its options type before binding: unknown fields (typos that would
/// otherwise fall back to a default silently), values that do not convert ("abc" for a TimeSpan, "autopilot" for a
/// mode), objects where a value belongs and the reverse. The configuration binder stops at the first bad value with an
/// exception; this reports every one, with its path and the expected form.
/// </summary>
internal static class ConfigShape
{
    public static void Check(IConfigurationSection section, Type type, ICollection<ConfigError> errors)
    {
        if (IsScalar(type))
        {
            CheckScalar(section, type, errors);
        }
        else if (DictionaryValueType(type) is { } valueType)
        {
            foreach (var child in section.GetChildren())
            {
                Check(child, valueType, errors);
            }
        }
        else if (ElementType(type) is { } elementType)
        {
            foreach (var child in section.GetChildren())
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add(new ConfigError(child.Path, "is a field inside a list", "a JSON array"));
                    continue;
                }

                Check(child, elementType, errors);
            }

            if (section.Value is { Length: > 0 } single)
            {
                errors.Add(new ConfigError(section.Path, $"is \"{single}\"", "a JSON array such as [\"a\", \"b\"]"));
            }
        }
        else
        {
            CheckObject(section, type, errors);
        }
    }

    private static void CheckObject(IConfigurationSection section, Type type, ICollection<ConfigError> errors)
    {
        var properties = BindableProperties(type);
        if (section.Value is { Length: > 0 } value)
        {
            errors.Add(new ConfigError(section.Path, $"is \"{value}\"", $"a section (JSON object) with fields {string.Join(", ", properties.Select(p => JsonName(p.Name)))}"));
            return;
        }

        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                errors.Add(new ConfigError(child.Path, "is not a known field", $"one of {string.Join(", ", properties.Select(p => JsonName(p.Name)))}"));
                continue;
            }

            if (property.PropertyType == typeof(string) && child.Value is null && !child.GetChildren().Any()
                && new NullabilityInfoContext().Create(property).WriteState != NullabilityState.Nullable)
            {
                // null, {} and [] all bind a string field to null, which the options' own checks do not expect.
                errors.Add(new ConfigError(child.Path, "is null or an empty object or list", "a string"));
                continue;
            }

            Check(child, property.PropertyType, errors);
        }
    }

    private static void CheckScalar(IConfigurationSection section, Type type, ICollection<ConfigError> errors)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (section.GetChildren().Any())
        {
            errors.Add(new ConfigError(section.Path, "is an object or a list", Expected(target)));
            return;
        }

        var text = section.Value;
        if (target == typeof(string))
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            if (target != type)
            {
                return; // an empty nullable is "not set"
            }

            errors.Add(new ConfigError(section.Path, "is empty", Expected(target)));
            return;
        }

        if (!Converts(text, target))
        {
            errors.Add(new ConfigError(section.Path, $"is \"{text}\"", Expected(target)));
        }
    }

    internal static bool Converts(string text, Type target)
    {
        var invariant = CultureInfo.InvariantCulture;
        var trimmed = text.Trim();
        if (target == typeof(bool))
        {
            return bool.TryParse(trimmed, out _);
        }

        if (target == typeof(int))
        {
            return int.TryParse(trimmed, NumberStyles.Integer, invariant, out _);
        }

        if (target == typeof(long))
        {
            return long.TryParse(trimmed, NumberStyles.Integer, invariant, out _);
        }

        if (target == typeof(double) || target == typeof(float))
        {
            return double.TryParse(trimmed, NumberStyles.Float, invariant, out var d) && double.IsFinite(d);
        }

        if (target == typeof(TimeSpan))
        {
            // "5" parses as five days; a bare number is always a mistake for a duration, so ask for hh:mm:ss.
            return trimmed.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(trimmed, invariant, out _);
        }

        if (target == typeof(AutomationMode))
        {
            return AutomationModes.TryParse(trimmed, out _);
        }

        if (target.IsEnum)
        {
            // Enum numbers are refused: "1" in a station file says nothing to the next reader.
            return trimmed.Length > 0 && !char.IsAsciiDigit(trimmed[0]) && trimmed[0] != '-'
                && Enum.GetNames(target).Any(n => n.Equals(trimmed, StringComparison.OrdinalIgnoreCase));
        }

        var converter = System.ComponentModel.TypeDescriptor.GetConverter(target);
        try
        {
            return converter.CanConvertFrom(typeof(string)) && converter.ConvertFromInvariantString(trimmed) is not null;
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException)
        {
            return false;
        }
    }

    internal static string Expected(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return target switch
        {
            _ when target == typeof(bool) => "true or false",
            _ when target == typeof(int) || target == typeof(long) => "a whole number",
            _ when target == typeof(double) || target == typeof(float) => "a number such as 0.05",
            _ when target == typeof(TimeSpan) => "a TimeSpan as hh:mm:ss[.fff], such as 00:00:05 or 00:00:00.250",
            _ when target == typeof(AutomationMode) => AutomationModes.ExpectedForm,
            { IsEnum: true } => $"one of {string.Join(", ", Enum.GetNames(target).Select(JsonName))}",
            _ when target == typeof(string) => "a string",
            _ => $"a value of type {target.Name}",
        };
    }

    internal static string JsonName(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];

    private static bool IsScalar(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return target.IsPrimitive || target.IsEnum || target == typeof(string) || target == typeof(decimal) || target == typeof(TimeSpan)
            || target == typeof(DateTimeOffset) || target == typeof(DateTime) || target == typeof(Uri) || target == typeof(Guid);
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!type.IsGenericType || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        var args = type.GetGenericArguments();
        return args.Length == 1 ? args[0] : null;
    }

    private static Type? DictionaryValueType(Type type)
    {
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        var args = type.GetGenericArguments();
        return args.Length == 2 && args[0] == typeof(string)
            && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            ? args[1]
            : null;
    }

    private static PropertyInfo[] BindableProperties(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && (p.SetMethod?.IsPublic == true || ElementType(p.PropertyType) is not null || DictionaryValueType(p.PropertyType) is not null))];
}
