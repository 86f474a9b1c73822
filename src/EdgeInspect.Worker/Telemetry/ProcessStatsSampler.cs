using System.Globalization;

namespace EdgeInspect.Worker.Telemetry;

/// <summary>Process and device figures at one instant.</summary>
/// <param name="CpuTime">CPU time the process has used since it started (user + kernel).</param>
/// <param name="ResidentBytes">VmRSS from /proc/self/status; null where there is no procfs.</param>
/// <param name="PeakResidentBytes">VmHWM from /proc/self/status.</param>
/// <param name="GcCollections">Collections so far, per generation 0, 1, 2.</param>
/// <param name="AllocatedBytes">Bytes allocated by the process since it started.</param>
/// <param name="TemperatureCelsius">The hottest /sys/class/thermal zone; null where there is none.</param>
public sealed record ProcessStats(
    TimeSpan CpuTime,
    long? ResidentBytes,
    long? PeakResidentBytes,
    IReadOnlyList<int> GcCollections,
    long AllocatedBytes,
    double? TemperatureCelsius);

/// <summary>Samples <see cref="ProcessStats"/>. The file locations are parameters so tests can point them at fixtures.</summary>
public sealed class ProcessStatsSampler(string procStatusPath = "/proc/self/status", string thermalRoot = "/sys/class/thermal")
{
    public ProcessStats Sample() => new(
        Environment.CpuUsage.TotalTime,
        ReadStatus("VmRSS:"),
        ReadStatus("VmHWM:"),
        [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)],
        GC.GetTotalAllocatedBytes(precise: false),
        HottestThermalZone());

    /// <summary>A "Name:   1234 kB" line of /proc/self/status, in bytes.</summary>
    internal static long? ParseStatusField(string statusText, string field)
    {
        foreach (var line in statusText.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(field, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[field.Length..].Trim();
            var space = rest.IndexOf(' ');
            var number = space < 0 ? rest : rest[..space];
            var unit = space < 0 ? ReadOnlySpan<char>.Empty : rest[(space + 1)..].Trim();
            if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            return unit.Equals("kB", StringComparison.Ordinal) ? value * 1024 : value;
        }

        return null;
    }

    /// <summary>The highest reading of thermal_zone*/temp (millidegrees Celsius), or null when none can be read.</summary>
    internal double? HottestThermalZone()
    {
        if (!Directory.Exists(thermalRoot))
        {
            return null;
        }

        double? hottest = null;
        foreach (var zone in Directory.EnumerateDirectories(thermalRoot, "thermal_zone*"))
        {
            try
            {
                var text = File.ReadAllText(Path.Combine(zone, "temp")).Trim();
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milli))
                {
                    var celsius = milli / 1000.0;
                    hottest = hottest is { } h ? Math.Max(h, celsius) : celsius;
                }
            }
            catch (IOException)
            {
                // Some zones refuse reads (sensor asleep, no permission); the others still count.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return hottest;
    }

    private long? ReadStatus(string field)
    {
        try
        {
            return File.Exists(procStatusPath) ? ParseStatusField(File.ReadAllText(procStatusPath), field) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
