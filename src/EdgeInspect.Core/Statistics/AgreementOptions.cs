using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Statistics;

/// <summary>The "statistics" section of a station file.</summary>
public sealed class AgreementOptions : IConfigSection
{
    /// <summary>Parts in the sliding window of agreement statistics (the cumulative figures cover the whole mode).</summary>
    public int WindowParts { get; set; } = 500;

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (WindowParts is < 10 or > 1_000_000)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "windowParts"), $"is {WindowParts}", "a number of parts from 10 to 1000000, such as 500"));
        }
    }
}
