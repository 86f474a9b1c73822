namespace EdgeInspect.Worker.Sparkplug;

/// <summary>
/// The Sparkplug B topic namespace of one edge node: <c>spBv1.0/{group}/{verb}/{edgeNode}[/{device}]</c>, and the
/// primary host's <c>spBv1.0/STATE/{hostId}</c> (Sparkplug 3.0, chapter 4).
/// </summary>
internal sealed class SparkplugTopics
{
    public const string Namespace = "spBv1.0";

    public SparkplugTopics(string groupId, string edgeNodeId, string? primaryHostId)
    {
        foreach (var (name, value) in new[] { ("groupId", groupId), ("edgeNodeId", edgeNodeId) })
        {
            if (SparkplugOptions.IdProblem(value) is { } problem)
            {
                throw new ArgumentException($"Sparkplug {name} {problem}", name);
            }
        }

        Node = $"{Namespace}/{groupId}/{{0}}/{edgeNodeId}";
        NodeBirth = string.Format(System.Globalization.CultureInfo.InvariantCulture, Node, "NBIRTH");
        NodeDeath = string.Format(System.Globalization.CultureInfo.InvariantCulture, Node, "NDEATH");
        NodeData = string.Format(System.Globalization.CultureInfo.InvariantCulture, Node, "NDATA");
        NodeCommand = string.Format(System.Globalization.CultureInfo.InvariantCulture, Node, "NCMD");
        State = primaryHostId is null ? null : $"{Namespace}/STATE/{primaryHostId}";
    }

    public string NodeBirth { get; }

    public string NodeDeath { get; }

    public string NodeData { get; }

    /// <summary>Subscribed (QoS 1): commands to the edge node.</summary>
    public string NodeCommand { get; }

    /// <summary>Subscribed (QoS 1) when a primary host is configured; null otherwise.</summary>
    public string? State { get; }

    private string Node { get; }

    public string DeviceBirth(string deviceId) => Device("DBIRTH", deviceId);

    public string DeviceDeath(string deviceId) => Device("DDEATH", deviceId);

    public string DeviceData(string deviceId) => Device("DDATA", deviceId);

    private string Device(string verb, string deviceId) =>
        SparkplugOptions.IdProblem(deviceId) is { } problem
            ? throw new ArgumentException($"Sparkplug device id {problem}", nameof(deviceId))
            : $"{string.Format(System.Globalization.CultureInfo.InvariantCulture, Node, verb)}/{deviceId}";
}
