namespace EdgeInspect.Core.Configuration;

/// <summary>One invalid field of a station config: where it is, what is wrong, and the form it should take.</summary>
/// <param name="Path">The field's path in the station file, e.g. "capture:source" or "inspector:positions:0:pass:pin".</param>
/// <param name="Problem">What is wrong with the value found, e.g. "is missing" or "is -5".</param>
/// <param name="Expected">The expected form, e.g. "a TimeSpan such as 00:00:00.050" or "one of shadow, assist, partial, canary, live".</param>
public readonly record struct ConfigError(string Path, string Problem, string Expected)
{
    public override string ToString() => $"{Path}: {Problem}; expected {Expected}";
}

/// <summary>
/// An options section that checks itself. Every subsystem's options implement this, so a bad station file fails at
/// startup with every problem listed at once, never one at a time and never at 3 a.m.
/// </summary>
public interface IConfigSection
{
    /// <summary>Adds one <see cref="ConfigError"/> per invalid field. <paramref name="path"/> is this section's own path.</summary>
    void Validate(string path, ICollection<ConfigError> errors);
}

/// <summary>Small helpers for writing <see cref="IConfigSection.Validate"/> bodies.</summary>
public static class ConfigPath
{
    /// <summary>Joins config path segments with ':' (the Microsoft.Extensions.Configuration separator).</summary>
    public static string Join(string path, string child) => path.Length == 0 ? child : $"{path}:{child}";
}
