using Microsoft.Extensions.Configuration;

namespace EdgeInspect.Worker.Config;

/// <summary>The keys a station file reload changed, split into those applied live and those that need a restart.</summary>
public sealed record ConfigChangeSet(IReadOnlyList<string> HotReloaded, IReadOnlyList<string> RestartRequired)
{
    public bool RequiresRestart => RestartRequired.Count > 0;

    public bool IsEmpty => HotReloaded.Count == 0 && RestartRequired.Count == 0;

    /// <summary>One line for the log and the config-reload event.</summary>
    public string Describe() => IsEmpty ? "no changes"
        : $"applied: {(HotReloaded.Count == 0 ? "none" : string.Join(", ", HotReloaded))}; "
          + $"need a restart: {(RestartRequired.Count == 0 ? "none" : string.Join(", ", RestartRequired))}";
}

/// <summary>
/// Which station file fields apply without a restart. Safe to change live: thresholds, the mode and sampling rates,
/// because each part reads them once when it is routed, so a change cannot leave a part half in the old setting.
/// Everything else (devices, pins, the broker, folders, queue sizes) is read once at startup and needs a restart;
/// <see cref="Compare"/> names those fields so the service can say which.
/// </summary>
/// <remarks>Keys compare without case, as configuration keys do. A pattern names a key or a section ("promotion" covers everything under it).</remarks>
public sealed class ReloadPolicy
{
    private readonly List<string> _hot = [];

    /// <summary>The pipeline's hot fields; subsystems add theirs with <see cref="AddHotReloadable"/> (e.g. "model:thresholds").</summary>
    public static ReloadPolicy CreateDefault() => new ReloadPolicy()
        .AddHotReloadable("station:configRevision")
        .AddHotReloadable("automation:mode")
        .AddHotReloadable("automation:canaryFraction")
        .AddHotReloadable("automation:auditFraction")
        .AddHotReloadable("automation:partialAuditFraction")
        .AddHotReloadable("automation:decisionDeadline")
        .AddHotReloadable("promotion")
        .AddHotReloadable("samples:randomFraction")
        .AddHotReloadable("samples:saveDisagreements")
        .AddHotReloadable("samples:saveUncertain")
        .AddHotReloadable("monitoring:distanceThreshold")
        .AddHotReloadable("monitoring:sequentialLambda")
        .AddHotReloadable("monitoring:defectRateThreshold")
        .AddHotReloadable("monitoring:conceptLevelThreshold");

    public IReadOnlyList<string> HotReloadable => _hot;

    /// <summary>Marks a key, or a whole section, as safe to change without a restart.</summary>
    public ReloadPolicy AddHotReloadable(string pathOrSection)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathOrSection);
        _hot.Add(pathOrSection);
        return this;
    }

    public bool IsHotReloadable(string key) => _hot.Exists(pattern =>
        key.Equals(pattern, StringComparison.OrdinalIgnoreCase)
        || (key.Length > pattern.Length && key[pattern.Length] == ':' && key.StartsWith(pattern, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The value keys that differ between two configurations (added, removed or changed), classified.</summary>
    public ConfigChangeSet Compare(IConfiguration before, IConfiguration after)
    {
        var old = Values(before);
        var now = Values(after);
        var changed = old.Keys.Union(now.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(key => !string.Equals(old.GetValueOrDefault(key), now.GetValueOrDefault(key), StringComparison.Ordinal))
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        return new ConfigChangeSet([.. changed.Where(IsHotReloadable)], [.. changed.Where(k => !IsHotReloadable(k))]);
    }

    private static Dictionary<string, string> Values(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(kv => kv.Value is not null)
            .GroupBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last().Value!, StringComparer.OrdinalIgnoreCase);
}
