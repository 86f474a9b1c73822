using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>
/// The "link:sparkplug" section: the station as a Sparkplug B 3.0 edge node beside the JSON topics (docs/sparkplug.md).
/// Off by default. The broker, TLS, credentials, protocol version and timings are the <c>link</c> section's; the node
/// has its own connection (clean start, session expiry 0, client id <c>{deviceId}-sparkplug</c>, NDEATH as its will).
/// </summary>
public sealed class SparkplugOptions : IConfigSection
{
    public bool Enabled { get; set; }

    /// <summary>Sparkplug Group ID: the first level after <c>spBv1.0</c>, e.g. the plant area or line.</summary>
    public string GroupId { get; set; } = string.Empty;

    /// <summary>Sparkplug Edge Node ID: unique within the group, e.g. the station name.</summary>
    public string EdgeNodeId { get; set; } = string.Empty;

    /// <summary>
    /// When set, NBIRTH waits until <c>spBv1.0/STATE/{primaryHostId}</c> says online, and the node disconnects and stores
    /// its data while that host says offline.
    /// </summary>
    public string? PrimaryHostId { get; set; }

    /// <summary>Publish each part's result as DDATA under <c>Result/…</c> of the camera's device.</summary>
    public bool PublishResults { get; set; } = true;

    /// <summary>
    /// Accept writes to <c>Node Control/Mode</c> from NCMD (through the same command dispatcher as cmd/set-mode).
    /// Off: every write is refused, counted and recorded as an event. <c>Node Control/Rebirth</c> is always honoured.
    /// </summary>
    public bool AllowWrites { get; set; }

    /// <summary>The MQTT client id of the node's own connection.</summary>
    public static string ClientIdFor(string deviceId) => $"{deviceId}-sparkplug";

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        void Add(string field, string problem, string expected) => errors.Add(new ConfigError(ConfigPath.Join(path, field), problem, expected));

        const string Expected = "1..128 characters, without '/', '+' or '#' (a Sparkplug ID is one topic level)";
        if (Enabled || GroupId.Length > 0)
        {
            if (IdProblem(GroupId) is { } problem)
            {
                Add("groupId", problem, Expected);
            }
        }

        if (Enabled || EdgeNodeId.Length > 0)
        {
            if (IdProblem(EdgeNodeId) is { } problem)
            {
                Add("edgeNodeId", problem, Expected);
            }
        }

        if (PrimaryHostId is { } host && IdProblem(host) is { } hostProblem)
        {
            Add("primaryHostId", hostProblem, Expected + ", or leave it out to publish without waiting for a host");
        }
    }

    /// <summary>Why <paramref name="id"/> cannot be a Sparkplug ID (group, edge node, device or host), or null.</summary>
    public static string? IdProblem(string id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return "is missing";
        }

        if (id.Length > 128)
        {
            return $"is {id.Length} characters";
        }

        if (id.IndexOfAny(['/', '+', '#', '\0']) is >= 0 and var at)
        {
            return $"is \"{id}\", with '{(id[at] == '\0' ? "\\0" : id[at])}' at position {at + 1}";
        }

        return id.Trim() != id ? $"is \"{id}\", with leading or trailing spaces" : null;
    }

    public override string ToString() =>
        Enabled
            ? $"spBv1.0/{GroupId} edge node {EdgeNodeId}" + (PrimaryHostId is null ? string.Empty : $", primary host {PrimaryHostId}")
              + (PublishResults ? ", results" : string.Empty) + (AllowWrites ? ", writes allowed" : ", writes refused")
            : "off";
}
