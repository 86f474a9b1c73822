using EdgeInspect.Core.Messages;

namespace EdgeInspect.Worker.Link;

/// <summary>
/// Where the link publishes what the outbox holds: each stream kind has its topic, and retained state of a kind has a
/// topic per key (an alert's state under <c>alert/state/{name}</c>, an incident's under <c>incident/state/{id}</c>).
/// The outbox itself knows no topics.
/// </summary>
public sealed class LinkTopics
{
    private readonly Dictionary<MessageKind, string> _streams;

    public LinkTopics(StationTopics topics)
    {
        Station = topics;
        _streams = Enum.GetValues<MessageKind>().ToDictionary(k => k, k => topics.Of(StationTopics.Suffix(k)));
    }

    public StationTopics Station { get; }

    /// <summary>The topic of a stream record (computed once per kind: the drain loop calls this for every record).</summary>
    public string Of(MessageKind kind) => _streams[kind];

    /// <summary>The retained topic of (<paramref name="kind"/>, <paramref name="key"/>).</summary>
    public string Retained(MessageKind kind, string key) => kind switch
    {
        MessageKind.Alert => Station.AlertState(key),
        MessageKind.Incident => Station.IncidentState(key),
        _ => StationTopics.SegmentProblem(key) is { } problem
            ? throw new ArgumentException($"retained key {problem}", nameof(key))
            : Station.Of($"{StationTopics.Suffix(kind)}/state/{key}"),
    };
}
