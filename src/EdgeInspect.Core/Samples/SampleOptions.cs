using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Samples;

/// <summary>The "samples" section of a station file: which parts are saved for retraining, where, and how much disk they may use.</summary>
public sealed class SampleOptions : IConfigSection
{
    /// <summary>Folder for the JPEG + JSON pairs; a relative path is relative to the working directory.</summary>
    public string Folder { get; set; } = "var/samples";

    /// <summary>Disk quota of the folder, in bytes; the oldest samples are deleted beyond it.</summary>
    public long QuotaBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Bytes the samples leave free on their filesystem: below it no sample is written (each one counted), so results
    /// keep the disk. Default 64 MiB, twice the outbox's default disk reserve.
    /// </summary>
    public long MinFreeBytes { get; set; } = 64L << 20;

    /// <summary>Fraction of all parts saved regardless of outcome, selected by part-id hash (0..1).</summary>
    public double RandomFraction { get; set; } = 0.01;

    /// <summary>Save parts where the model and the human disagree.</summary>
    public bool SaveDisagreements { get; set; } = true;

    /// <summary>Save parts whose score fell in the uncertainty band.</summary>
    public bool SaveUncertain { get; set; } = true;

    /// <summary>Samples waiting to be written; beyond it the oldest waiting one is dropped (and counted).</summary>
    public int QueueCapacity { get; set; } = 64;

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (string.IsNullOrWhiteSpace(Folder))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "folder"), "is empty", "a folder path such as \"var/samples\""));
        }

        if (QuotaBytes < 1024 * 1024)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "quotaBytes"), $"is {QuotaBytes}", "a number of bytes of at least 1048576 (1 MiB), such as 2147483648"));
        }

        if (MinFreeBytes < 0)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "minFreeBytes"), $"is {MinFreeBytes}", "bytes to leave free on the samples' filesystem, 0 or more, such as 67108864 (64 MiB)"));
        }

        AutomationOptions.Fraction(path, "randomFraction", RandomFraction, errors);
        if (QueueCapacity is < 1 or > 10_000)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "queueCapacity"), $"is {QueueCapacity}", "a number of samples from 1 to 10000, such as 64"));
        }
    }
}
