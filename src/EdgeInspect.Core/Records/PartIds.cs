using System.Globalization;

namespace EdgeInspect.Core.Records;

/// <summary>
/// Part ids: <c>{station}-{bootEpochMs}-{seq}</c>, e.g. <c>line1-station3-1795337400123-42</c>.
/// </summary>
/// <remarks>
/// Unique across restarts without any stored state: bootEpochMs (Unix milliseconds at service start) differs between
/// two runs of the service, and seq increases within a run. The same string is the input of canary, audit and sample
/// selection (<see cref="Automation.PartSelection"/>), so it must never change once assigned. Parsing is not offered on
/// purpose: station names may contain '-'; the record carries every field separately.
/// </remarks>
public static class PartIds
{
    public static string Format(string station, long bootEpochMs, long seq) =>
        string.Create(CultureInfo.InvariantCulture, $"{station}-{bootEpochMs}-{seq}");
}

/// <summary>
/// The per-boot record sequence: 1, 2, 3... with no gaps, so the gateway can detect a lost record. Thread-safe.
/// </summary>
public sealed class RecordSequence
{
    private long _last;

    /// <param name="bootEpochMs">Unix milliseconds at service start, e.g. <c>time.GetUtcNow().ToUnixTimeMilliseconds()</c>.</param>
    public RecordSequence(long bootEpochMs) => BootEpochMs = bootEpochMs;

    public long BootEpochMs { get; }

    public long Next() => Interlocked.Increment(ref _last);

    public long Last => Interlocked.Read(ref _last);
}
