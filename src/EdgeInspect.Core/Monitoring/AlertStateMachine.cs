namespace EdgeInspect.Core.Monitoring;

public enum AlertState
{
    Ok,
    Warn,
    Alert,
}

/// <summary>
/// How one detector's readings turn into alert states. Immutable; swap the whole policy to change it at runtime.
/// </summary>
/// <param name="Threshold">A reading above this is a breach.</param>
/// <param name="Hysteresis">Fraction of the threshold a reading must fall below it to count as calm: with 0.25 and a
/// threshold of 0.1, readings must drop under 0.075. Readings in the band hold the state.</param>
/// <param name="ConsecutiveWindows">K: breaches in a row to go from WARN to ALERT; calm readings in a row to step down.</param>
/// <param name="Cooldown">After any step down, how long before the state may step up again.</param>
/// <param name="RepeatInterval">While in ALERT, how often the alert is published again; zero for never.</param>
public sealed record AlertPolicy(double Threshold, double Hysteresis, int ConsecutiveWindows, TimeSpan Cooldown, TimeSpan RepeatInterval)
{
    public double ClearLevel => Threshold * (1 - Hysteresis);

    public AlertPolicy WithThreshold(double threshold) => this with { Threshold = threshold };
}

/// <summary>
/// OK → WARN → ALERT per detector and camera. The first breach warns; K breaches in a row alert; K calm readings in a
/// row (below the hysteresis band) step down one level (ALERT → OK, WARN → OK); after a step down, stepping up waits
/// for the cooldown. Together these bound the transitions a signal hovering at the threshold can cause to about three
/// per cooldown, however it oscillates.
/// </summary>
/// <remarks>
/// Time comes in with each reading (the frame's timestamp), never from a clock, so the same input gives the same
/// transitions. Not thread-safe, except <see cref="Policy"/>, which may be replaced from any thread.
/// </remarks>
public sealed class AlertStateMachine
{
    private AlertPolicy _policy;
    private Current _current = new(AlertState.Ok, DateTimeOffset.MinValue);
    private int _breaches;
    private int _calm;
    private DateTimeOffset _steppedDownAt = DateTimeOffset.MinValue;
    private DateTimeOffset _lastPublishedAt;

    public AlertStateMachine(string name, AlertPolicy policy)
    {
        Name = name;
        _policy = Validate(policy);
    }

    public string Name { get; }

    /// <summary>The current state; safe to read from any thread.</summary>
    public AlertState State => Volatile.Read(ref _current).State;

    public AlertPolicy Policy
    {
        get => Volatile.Read(ref _policy);
        set => Volatile.Write(ref _policy, Validate(value));
    }

    /// <summary>When the state last changed (MinValue before any change); read together with the state it belongs to.</summary>
    public DateTimeOffset Since => Volatile.Read(ref _current).Since;

    /// <summary>State and since, read as one (what alert/state/{name} retains).</summary>
    public (AlertState State, DateTimeOffset Since) Status
    {
        get
        {
            var current = Volatile.Read(ref _current);
            return (current.State, current.Since);
        }
    }

    /// <summary>Feeds one reading. Returns the step it caused (or a repeat of a standing alert), or null.</summary>
    public AlertStep? Observe(double reading, DateTimeOffset at)
    {
        var policy = Policy;
        var breach = reading > policy.Threshold;
        var calm = reading < policy.ClearLevel;
        _breaches = breach ? _breaches + 1 : 0;
        _calm = calm ? _calm + 1 : 0;
        var coolingDown = at - _steppedDownAt < policy.Cooldown;

        switch (State)
        {
            case AlertState.Ok when breach && !coolingDown:
                return Move(policy.ConsecutiveWindows <= 1 ? AlertState.Alert : AlertState.Warn, at);
            case AlertState.Warn when _breaches >= policy.ConsecutiveWindows:
                return Move(AlertState.Alert, at);
            case AlertState.Warn or AlertState.Alert when _calm >= policy.ConsecutiveWindows:
                _steppedDownAt = at;
                return Move(AlertState.Ok, at);
            case AlertState.Alert when policy.RepeatInterval > TimeSpan.Zero && at - _lastPublishedAt >= policy.RepeatInterval:
                _lastPublishedAt = at;
                return new AlertStep(AlertState.Alert, AlertState.Alert, at, IsRepeat: true);
            default:
                return null;
        }
    }

    private AlertStep Move(AlertState to, DateTimeOffset at)
    {
        var from = State;

        // One immutable pair, swapped whole, so another thread never reads a state with the wrong time.
        Volatile.Write(ref _current, new Current(to, at));
        _lastPublishedAt = at;
        return new AlertStep(from, to, at, IsRepeat: false);
    }

    private sealed record Current(AlertState State, DateTimeOffset Since);

    private static AlertPolicy Validate(AlertPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!(policy.Hysteresis is >= 0 and < 1) || policy.ConsecutiveWindows < 1 || policy.Cooldown < TimeSpan.Zero || policy.RepeatInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"invalid alert policy {policy}", nameof(policy));
        }

        return policy;
    }
}

/// <summary>One state change (or a repeat of a standing alert) of an <see cref="AlertStateMachine"/>.</summary>
public readonly record struct AlertStep(AlertState From, AlertState To, DateTimeOffset At, bool IsRepeat);
