namespace EdgeInspect.Core.Inspection;

/// <summary>
/// Turns the raw edges of one button into presses.
/// </summary>
/// <remarks>
/// Rule: a press is recognised on an active edge when the line had been inactive, with no edge at all, for at least
/// the debounce time. Consequences:
/// <list type="bullet">
/// <item>the press is reported at once, on its first edge, not one debounce time later (inspectors feel the lamp react);</item>
/// <item>contact bounce on press or release is a burst of edges closer together than the debounce time, so none of it counts;</item>
/// <item>a long hold is one press, and another press needs a release that stayed stable for the debounce time;</item>
/// <item>a button already held when watching starts counts only after it has been released.</item>
/// </list>
/// The price is that a single isolated spike after a quiet period counts as a press; that is a wiring fault (missing
/// pull resistor, unshielded cable), which no debounce time fixes anyway.
/// Timestamps are the edges' own, so the result does not depend on how late the watcher thread reads them.
/// </remarks>
public sealed class Debouncer
{
    private readonly TimeSpan _debounce;
    private readonly TimeProvider _time;
    private bool _active;
    private bool _sawEdge;
    private long _lastEdgeTimestamp;

    /// <param name="debounce">How long the line must stay quiet and inactive before an active edge is a new press.</param>
    /// <param name="time">The clock whose <see cref="TimeProvider.TimestampFrequency"/> the edge timestamps use.</param>
    /// <param name="initiallyActive">The line's level when watching starts.</param>
    public Debouncer(TimeSpan debounce, TimeProvider time, bool initiallyActive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(debounce, TimeSpan.Zero);
        _debounce = debounce;
        _time = time;
        _active = initiallyActive;
    }

    /// <summary>Feeds one edge; returns true when it starts a new press.</summary>
    public bool OnEdge(LineEdge edge)
    {
        var wasStableInactive = !_active
                                && (!_sawEdge || _time.GetElapsedTime(_lastEdgeTimestamp, edge.Timestamp) >= _debounce);
        _active = edge.IsActive;
        _lastEdgeTimestamp = edge.Timestamp;
        _sawEdge = true;
        return edge.IsActive && wasStableInactive;
    }
}
