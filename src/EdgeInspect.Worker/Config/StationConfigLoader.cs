using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Promotion;
using EdgeInspect.Core.Samples;
using EdgeInspect.Core.Statistics;
using Microsoft.Extensions.Configuration;

namespace EdgeInspect.Worker.Config;

/// <summary>A loaded, valid station file: the pipeline's options, every registered subsystem section, and the raw configuration.</summary>
public sealed class StationConfig(string source, IConfiguration configuration, StationOptions options, IReadOnlyDictionary<string, IConfigSection> sections)
{
    /// <summary>The file (or other source) the config came from.</summary>
    public string Source { get; } = source;

    public IConfiguration Configuration { get; } = configuration;

    public StationOptions Options { get; } = options;

    /// <summary>Every bound section by its top-level path ("automation", "capture"...).</summary>
    public IReadOnlyDictionary<string, IConfigSection> Sections { get; } = sections;

    /// <summary>The bound options of a registered section, e.g. <c>Section&lt;CaptureOptions&gt;("capture")</c>.</summary>
    public T Section<T>(string path)
        where T : class, IConfigSection =>
        Sections.TryGetValue(path, out var section) ? (T)section : throw new KeyNotFoundException($"No section '{path}' is registered on the station config loader");
}

/// <summary>The outcome of loading a station file: a config, or every error found.</summary>
public sealed record StationConfigResult(string Source, StationConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    [MemberNotNullWhen(true, nameof(Config))]
    public bool IsValid => Config is not null && Errors.Count == 0;
}

/// <summary>
/// Loads a station file (JSON), binds every section and validates it, collecting every problem before returning:
/// malformed JSON (with line and column), unknown sections and fields, values that do not convert, and each section's
/// own <see cref="IConfigSection.Validate"/> findings. Nothing throws for a bad file.
/// </summary>
/// <remarks>
/// Subsystems plug in by registering their options type under its top-level path with <see cref="Register{T}"/>;
/// <see cref="CreateDefault"/> is the one place that lists them, used by both <c>run</c> and <c>config validate</c>.
/// A path may name a section nested in another ("link:sparkplug"): the outer section's type then neither sees nor
/// checks that child, and the nested one is bound and validated on its own.
/// A path known but not yet typed is a <see cref="Placeholder"/>: accepted as-is, not checked.
/// </remarks>
public sealed class StationConfigLoader
{
    /// <summary>JSON reading as Microsoft.Extensions.Configuration.Json does it: comments and trailing commas allowed.</summary>
    private static readonly JsonDocumentOptions JsonReading = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly Dictionary<string, Registration> _sections = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The pipeline's sections, plus placeholders for subsystems whose options are not registered yet.</summary>
    public static StationConfigLoader CreateDefault() => new StationConfigLoader()
        .Register<StationIdentityOptions>("station")
        .Register<AutomationOptions>("automation", required: false) // absent: shadow, the mode where nothing changes for the line
        .Register<PromotionOptions>("promotion", required: false)
        .Register<SampleOptions>("samples", required: false)
        .Register<AgreementOptions>("statistics", required: false)
        .Register<EdgeInspect.Core.Capture.CaptureOptions>("capture")
        .Register<ModelSection>("model")
        .Register<EdgeInspect.Worker.Link.LinkOptions>("link")
        .Register<EdgeInspect.Worker.Sparkplug.SparkplugOptions>("link:sparkplug", required: false)
        .Register<EdgeInspect.Worker.OutboxStage.OutboxOptions>("outbox", required: false)
        .Register<EdgeInspect.Core.Inspection.InspectorOptions>("inspector")
        .Register<EdgeInspect.Core.Monitoring.MonitoringOptions>("monitoring", required: false)
        .Register<PipelineSection>("pipeline", required: false)
        .Register<EdgeInspect.Worker.Dashboard.DashboardOptions>("dashboard", required: false)
        .Register<EdgeInspect.Worker.Telemetry.TelemetryOptions>("telemetry", required: false);

    /// <summary>The top-level sections this loader knows, in registration order.</summary>
    public IEnumerable<string> KnownSections => _sections.Keys.Where(k => !k.Contains(ConfigurationPath.KeyDelimiter, StringComparison.Ordinal));

    /// <summary>Registers (or replaces) the options type of a top-level section.</summary>
    /// <param name="path">The section's key in the station file, e.g. "capture".</param>
    /// <param name="required">When true, a missing section is an error; otherwise the type's defaults apply.</param>
    public StationConfigLoader Register<T>(string path, bool required = true)
        where T : class, IConfigSection, new()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _sections[path] = new Registration(path, typeof(T), () => new T(), required);
        return this;
    }

    /// <summary>A known top-level section with no options type yet: accepted, not checked.</summary>
    public StationConfigLoader Placeholder(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _sections[path] = new Registration(path, null, null, false);
        return this;
    }

    /// <summary>Reads, binds and validates a station file.</summary>
    public StationConfigResult LoadFile(string file)
    {
        var errors = new List<ConfigError>();
        var name = Path.GetFileName(file);
        if (!File.Exists(file))
        {
            errors.Add(new ConfigError(name, $"was not found ({Path.GetFullPath(file)})", "the path of a station file, such as firmware-config/stations/demo.json"));
            return new StationConfigResult(file, null, errors);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file), JsonReading);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ConfigError(name, $"holds a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()} at the top",
                    $"a JSON object with sections {string.Join(", ", KnownSections)}"));
                return new StationConfigResult(file, null, errors);
            }
        }
        catch (JsonException e)
        {
            errors.Add(new ConfigError(name, $"is not valid JSON at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1} ({FirstSentence(e.Message)})",
                "a JSON object; comments and trailing commas are allowed"));
            return new StationConfigResult(file, null, errors);
        }
        catch (IOException e)
        {
            errors.Add(new ConfigError(name, $"cannot be read ({e.Message})", "a readable station file"));
            return new StationConfigResult(file, null, errors);
        }

        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            // Valid JSON the configuration provider still refuses, e.g. a key given twice.
            errors.Add(new ConfigError(name, $"cannot be read as configuration ({FirstSentence(e.InnerException?.Message ?? e.Message)})", "each key at most once per object"));
            return new StationConfigResult(file, null, errors);
        }

        return Load(configuration, file);
    }

    /// <summary>
    /// Reads, binds and validates a station config built in memory (the demo's, replay's and the bench's), exactly as a
    /// file is: a verb never writes a file just to start a station.
    /// </summary>
    /// <param name="json">The station config as JSON (comments and trailing commas allowed).</param>
    /// <param name="source">Names the config in errors and logs, e.g. "demo (in memory)"; not a file to watch.</param>
    public StationConfigResult LoadJson(string json, string source)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        try
        {
            using var document = JsonDocument.Parse(bytes, JsonReading);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new StationConfigResult(source, null, [new ConfigError(source, "is not a JSON object", $"a JSON object with sections {string.Join(", ", KnownSections)}")]);
            }
        }
        catch (JsonException e)
        {
            return new StationConfigResult(source, null,
                [new ConfigError(source, $"is not valid JSON at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1} ({FirstSentence(e.Message)})", "a JSON object")]);
        }

        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(bytes)).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            return new StationConfigResult(source, null,
                [new ConfigError(source, $"cannot be read as configuration ({FirstSentence(e.InnerException?.Message ?? e.Message)})", "each key at most once per object")]);
        }

        return Load(configuration, source);
    }

    /// <summary>Binds and validates a configuration already built (the host's, on reload).</summary>
    /// <param name="configuration">The station file's configuration, or the host's.</param>
    /// <param name="source">Names the source in the result, e.g. the file path.</param>
    /// <param name="rejectUnknownSections">
    /// True for a station file alone. Pass false for a host configuration that also holds keys of its own
    /// (Logging, environment variables), which are not station sections.
    /// </param>
    public StationConfigResult Load(IConfiguration configuration, string source, bool rejectUnknownSections = true)
    {
        var errors = new List<ConfigError>();
        foreach (var top in rejectUnknownSections ? configuration.GetChildren() : [])
        {
            if (!_sections.ContainsKey(top.Key))
            {
                // A blank key ("" or " ") would give an error with no visible path.
                var shown = string.IsNullOrWhiteSpace(top.Key) ? $"\"{top.Key}\" (a blank key)" : top.Path;
                errors.Add(new ConfigError(shown, "is not a known section", $"one of {string.Join(", ", KnownSections)}"));
            }
        }

        var bound = new Dictionary<string, IConfigSection>(StringComparer.OrdinalIgnoreCase);
        foreach (var registration in _sections.Values)
        {
            if (registration.Type is null)
            {
                continue;
            }

            var section = configuration.GetSection(registration.Path);
            if (!section.Exists())
            {
                if (registration.Required)
                {
                    errors.Add(new ConfigError(registration.Path, "is missing", $"a \"{registration.Path}\" section (see firmware-config/stations/demo.json)"));
                    continue;
                }
            }

            var nested = _sections.Keys.Where(k => k.StartsWith(registration.Path + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)).ToList();
            if (nested.Count > 0 && section.Exists())
            {
                // A nested section is another registration's: this type does not know its fields.
                section = Excluding(section, nested);
            }

            var shapeErrors = new List<ConfigError>();
            ConfigShape.Check(section, registration.Type, shapeErrors);
            errors.AddRange(shapeErrors);
            if (shapeErrors.Count > 0)
            {
                // Binding would throw on the first bad value. Bind the rest, so Validate still reports every other field.
                section = Excluding(section, shapeErrors.Select(e => e.Path).ToList());
            }

            var options = registration.Create!();
            try
            {
                section.Bind(options);
            }
            catch (InvalidOperationException e)
            {
                errors.Add(new ConfigError(registration.Path, $"could not be read ({FirstSentence(e.Message)})", "the form documented in firmware-config/stations/README.md"));
                continue;
            }

            var validation = new List<ConfigError>();
            options.Validate(registration.Path, validation);
            // A field already reported as unreadable was validated at its default; its finding would only mislead.
            errors.AddRange(validation.Where(v => !shapeErrors.Exists(s => string.Equals(s.Path, v.Path, StringComparison.OrdinalIgnoreCase))));
            bound[registration.Path] = options;
        }

        if (errors.Count > 0)
        {
            return new StationConfigResult(source, null, errors);
        }

        var stationOptions = new StationOptions
        {
            Station = (StationIdentityOptions)bound["station"],
            Automation = (AutomationOptions)bound["automation"],
            Promotion = (PromotionOptions)bound["promotion"],
            Samples = (SampleOptions)bound["samples"],
            Statistics = (AgreementOptions)bound["statistics"],
        };
        return new StationConfigResult(source, new StationConfig(source, configuration, stationOptions, bound), errors);
    }

    /// <summary>The section without the keys at or below <paramref name="paths"/>.</summary>
    private static IConfigurationSection Excluding(IConfigurationSection section, List<string> paths)
    {
        bool IsBad(string key) => paths.Exists(p => key.Equals(p, StringComparison.OrdinalIgnoreCase)
            || key.StartsWith(p + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase));
        var kept = section.AsEnumerable().Where(kv => kv.Value is not null && !IsBad(kv.Key));
        return new ConfigurationBuilder().AddInMemoryCollection(kept).Build().GetSection(section.Path);
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends " Path: $ | LineNumber: 3 | BytePositionInLine: 4."; the line and column are given separately.
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        return (cut < 0 ? message : message[..cut]).Trim().TrimEnd('.');
    }

    private sealed record Registration(string Path, Type? Type, Func<IConfigSection>? Create, bool Required);
}
