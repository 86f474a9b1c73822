using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EdgeInspect.Core;

/// <summary>
/// The one rule for every name and id that comes in from outside: command args, station-file names and ids, manifest
/// names, class names, labels. A name must show something: an empty or blank id once made the station answer
/// " is at left", and a control character in a name breaks log lines, CSV rows and topics downstream.
/// </summary>
/// <remarks>
/// Refused: null, "", text made only of whitespace or invisible format characters (zero-width space, BOM), any
/// control character (NUL, tab, newline, DEL, C1), and broken UTF-16 (a lone surrogate). Inner spaces ("Ana Lima")
/// and any other Unicode letters are fine; each entry point adds its own charset or length rule where it needs one.
/// </remarks>
public static class Names
{
    /// <summary>Null when <paramref name="value"/> is a usable name; otherwise what is wrong, phrased to follow the field's name.</summary>
    public static string? Problem(string? value)
    {
        if (value is null)
        {
            return "is missing";
        }

        if (value.Length == 0)
        {
            return "is empty";
        }

        var visible = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c))
            {
                return string.Create(CultureInfo.InvariantCulture, $"contains a control character (U+{(int)c:X4}) at position {i}");
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                visible = true;
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return string.Create(CultureInfo.InvariantCulture, $"contains a broken UTF-16 surrogate (U+{(int)c:X4}) at position {i}");
            }

            if (!char.IsWhiteSpace(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format)
            {
                visible = true;
            }
        }

        return visible ? null : "is blank (only whitespace or invisible characters)";
    }

    /// <summary>Whether <paramref name="value"/> passes <see cref="Problem"/>.</summary>
    public static bool IsValid([NotNullWhen(true)] string? value) => Problem(value) is null;

    /// <summary>Returns <paramref name="value"/>, or throws naming <paramref name="what"/> and the problem.</summary>
    /// <param name="value">The name as given.</param>
    /// <param name="what">What the name is, e.g. "inspectorId"; the message reads "inspectorId is empty".</param>
    /// <exception cref="ArgumentException">The name is refused by <see cref="Problem"/>.</exception>
    public static string Require([NotNull] string? value, string what)
    {
        if (value is null || Problem(value) is not null)
        {
            throw new ArgumentException($"{what} {Problem(value)}", what);
        }

        return value;
    }
}
