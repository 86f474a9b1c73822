namespace EdgeInspect.Core.Automation;

/// <summary>How much of the decision the model takes over from the human inspector (DESIGN.md, "Degrees of automation").</summary>
public enum AutomationMode
{
    /// <summary>The human decides every part; the model's output is only logged and compared.</summary>
    Shadow,

    /// <summary>The human decides every part; the model's verdict is shown to them on the suggestion lamp.</summary>
    Assist,

    /// <summary>The model decides confident parts; uncertain parts (and an optional audit sample) go to the human.</summary>
    Partial,

    /// <summary>The model decides a fixed, hash-selected fraction of parts; the human decides the rest and checks all.</summary>
    Canary,

    /// <summary>The model decides every part; an audit sample goes to the human.</summary>
    Live,
}

/// <summary>The lower-case names used in station files, MQTT commands and records.</summary>
public static class AutomationModes
{
    private static readonly string[] Names = ["shadow", "assist", "partial", "canary", "live"];

    /// <summary>The expected form, for config errors and command rejections.</summary>
    public const string ExpectedForm = "one of shadow, assist, partial, canary, live";

    public static IReadOnlyList<AutomationMode> All { get; } = Enum.GetValues<AutomationMode>();

    /// <summary>The wire name of <paramref name="mode"/>, e.g. "canary".</summary>
    public static string ToName(this AutomationMode mode) => Names[(int)mode];

    /// <summary>Parses a mode by name, ignoring case. Numbers are refused: "3" in a station file is a mistake, not a mode.</summary>
    public static bool TryParse(string? text, out AutomationMode mode)
    {
        var trimmed = text.AsSpan().Trim();
        for (var i = 0; i < Names.Length; i++)
        {
            if (trimmed.Equals(Names[i], StringComparison.OrdinalIgnoreCase))
            {
                mode = (AutomationMode)i;
                return true;
            }
        }

        mode = default;
        return false;
    }

    /// <summary>Whether the model, not the human, decides at least some parts in <paramref name="mode"/>.</summary>
    public static bool ModelDecides(this AutomationMode mode) => mode is AutomationMode.Partial or AutomationMode.Canary or AutomationMode.Live;
}
