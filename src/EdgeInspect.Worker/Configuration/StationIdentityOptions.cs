using EdgeInspect.Core;
using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Worker.Configuration;

/// <summary>
/// The "station" section: who this device is and where it stands (ISA-95 levels). These names become MQTT topic
/// levels and record fields, so they must be non-empty and free of MQTT wildcards and separators.
/// </summary>
public sealed class StationIdentityOptions : IConfigSection
{
    public string DeviceId { get; set; } = "";

    public string Site { get; set; } = "";

    public string Area { get; set; } = "";

    public string Line { get; set; } = "";

    /// <summary>The station's name, e.g. "station3"; also the first part of every part id.</summary>
    public string Name { get; set; } = "";

    /// <summary>The revision of this file, stamped on every record (e.g. a git hash or "2026-11-22.1").</summary>
    public string ConfigRevision { get; set; } = "";

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        Level(path, "deviceId", "ei-arm-0042", DeviceId, errors);
        Level(path, "site", "plant-lyon", Site, errors);
        Level(path, "area", "final-assembly", Area, errors);
        Level(path, "line", "line1", Line, errors);
        Level(path, "name", "station3", Name, errors);
        if (Names.Problem(ConfigRevision) is { } revisionProblem)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "configRevision"), string.IsNullOrEmpty(ConfigRevision) ? "is missing" : revisionProblem,
                "a revision label such as \"2026-11-22.1\" or a git hash"));
        }
    }

    private static void Level(string path, string field, string example, string value, ICollection<ConfigError> errors)
    {
        var expected = $"a name of letters, digits, '-', '_' or '.', such as \"{example}\"";
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, field), "is missing", expected));
        }
        else if (!value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, field), $"is \"{value}\"", expected));
        }
    }
}
