namespace EdgeInspect.Core.Inspection;

/// <summary>The alert tower light: at most one colour lit.</summary>
public enum TowerLight
{
    Off,
    Green,
    Amber,
    Red,
}

/// <summary>
/// How EdgeInspect acts on the line: suggestion lamps (assist), the needs-human lamp (partial), the reject actuator
/// (canary, live) and the tower light.
/// </summary>
/// <remarks>
/// Fail-safe: every output is inactive after <see cref="IDisposable.Dispose"/> or once the stopping token given at creation is
/// cancelled, and stays inactive: later commands are ignored, so a shutdown can never re-energise the reject.
/// Threading: every method may be called from any thread.
/// </remarks>
public interface IStationOutputs : IDisposable
{
    /// <summary>Lights the pass or the fail suggestion lamp; <see cref="Verdict.Unsure"/> or null lights neither.</summary>
    void ShowSuggestion(Verdict? suggestion);

    void SetNeedsHuman(bool needsHuman);

    /// <summary>Energises the reject actuator for the configured pulse; a pulse during a pulse extends it from now.</summary>
    void PulseReject();

    void SetTowerLight(TowerLight light);

    /// <summary>Drives every output inactive now, without stopping (e.g. from an unhandled-exception handler).</summary>
    void AllInactive();
}

/// <summary>A station with no outputs wired: every command does nothing.</summary>
public sealed class NoStationOutputs : IStationOutputs
{
    public void ShowSuggestion(Verdict? suggestion)
    {
    }

    public void SetNeedsHuman(bool needsHuman)
    {
    }

    public void PulseReject()
    {
    }

    public void SetTowerLight(TowerLight light)
    {
    }

    public void AllInactive()
    {
    }

    public void Dispose()
    {
    }
}

/// <summary>The station's output lines; each may be missing.</summary>
public sealed record StationOutputLines
{
    public IOutputLine? SuggestPassLamp { get; init; }

    public IOutputLine? SuggestFailLamp { get; init; }

    public IOutputLine? NeedsHumanLamp { get; init; }

    public IOutputLine? Reject { get; init; }

    public IOutputLine? TowerGreen { get; init; }

    public IOutputLine? TowerAmber { get; init; }

    public IOutputLine? TowerRed { get; init; }

    internal IEnumerable<IOutputLine> All() =>
        new[] { Reject, SuggestPassLamp, SuggestFailLamp, NeedsHumanLamp, TowerGreen, TowerAmber, TowerRed }.OfType<IOutputLine>();
}

/// <summary>Station outputs on GPIO lines. The reject pulse is ended by a <see cref="TimeProvider"/> timer.</summary>
public sealed class GpioStationOutputs : IStationOutputs
{
    private readonly StationOutputLines _lines;
    private readonly TimeSpan _rejectPulse;
    private readonly ITimer _rejectTimer;
    private readonly Lock _gate = new();
    private readonly CancellationTokenRegistration _stoppingRegistration;
    private bool _stopped;
    private bool _disposed;

    /// <param name="lines">Lines already requested at their inactive level; these outputs own and release them.</param>
    /// <param name="rejectPulse">How long each reject pulse lasts.</param>
    /// <param name="time">Runs the timer that ends the pulse.</param>
    /// <param name="stoppingToken">When cancelled, every output goes inactive for good.</param>
    public GpioStationOutputs(StationOutputLines lines, TimeSpan rejectPulse, TimeProvider time, CancellationToken stoppingToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rejectPulse, TimeSpan.Zero);
        _lines = lines;
        _rejectPulse = rejectPulse;
        _rejectTimer = time.CreateTimer(static s => ((GpioStationOutputs)s!).EndRejectPulse(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _stoppingRegistration = stoppingToken.Register(static s => ((GpioStationOutputs)s!).StopForGood(), this);
    }

    /// <summary>Requests every configured output line at its inactive level; a line that fails releases those already requested.</summary>
    public static GpioStationOutputs Open(IGpioBackend backend, InspectorOptions options, TimeProvider time, CancellationToken stoppingToken)
    {
        var opened = new List<IOutputLine>();
        try
        {
            IOutputLine? Request(GpioOutputOptions? line, string purpose)
            {
                if (line is null)
                {
                    return null;
                }

                var output = backend.OpenOutput(options.ChipOf(line), line, purpose);
                opened.Add(output);
                return output;
            }

            var o = options.Outputs;
            var lines = new StationOutputLines
            {
                Reject = Request(o.Reject, "reject actuator"),
                SuggestPassLamp = Request(o.SuggestPassLamp, "suggest-pass lamp"),
                SuggestFailLamp = Request(o.SuggestFailLamp, "suggest-fail lamp"),
                NeedsHumanLamp = Request(o.NeedsHumanLamp, "needs-human lamp"),
                TowerGreen = Request(o.TowerGreen, "tower light green"),
                TowerAmber = Request(o.TowerAmber, "tower light amber"),
                TowerRed = Request(o.TowerRed, "tower light red"),
            };
            return new GpioStationOutputs(lines, o.RejectPulse, time, stoppingToken);
        }
        catch
        {
            foreach (var line in opened)
            {
                line.Dispose();
            }

            throw;
        }
    }

    public void ShowSuggestion(Verdict? suggestion)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _lines.SuggestPassLamp?.SetActive(suggestion == Verdict.Pass);
            _lines.SuggestFailLamp?.SetActive(suggestion == Verdict.Fail);
        }
    }

    public void SetNeedsHuman(bool needsHuman)
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                _lines.NeedsHumanLamp?.SetActive(needsHuman);
            }
        }
    }

    public void PulseReject()
    {
        lock (_gate)
        {
            if (_stopped || _lines.Reject is null)
            {
                return;
            }

            _lines.Reject.SetActive(true);
            _rejectTimer.Change(_rejectPulse, Timeout.InfiniteTimeSpan);
        }
    }

    public void SetTowerLight(TowerLight light)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            // Turn the old colour off before the new one on, so two colours are never lit together.
            if (light != TowerLight.Green)
            {
                _lines.TowerGreen?.SetActive(false);
            }

            if (light != TowerLight.Amber)
            {
                _lines.TowerAmber?.SetActive(false);
            }

            if (light != TowerLight.Red)
            {
                _lines.TowerRed?.SetActive(false);
            }

            var on = light switch
            {
                TowerLight.Green => _lines.TowerGreen,
                TowerLight.Amber => _lines.TowerAmber,
                TowerLight.Red => _lines.TowerRed,
                _ => null,
            };
            on?.SetActive(true);
        }
    }

    public void AllInactive()
    {
        lock (_gate)
        {
            DriveAllInactive();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _stoppingRegistration.Dispose();
        try
        {
            StopForGood();
        }
        finally
        {
            // Released even when driving one inactive failed: a held request would block a restart from taking it.
            _rejectTimer.Dispose();
            lock (_gate)
            {
                foreach (var line in _lines.All())
                {
                    line.Dispose();
                }
            }
        }
    }

    private void StopForGood()
    {
        lock (_gate)
        {
            _stopped = true;
            _rejectTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            DriveAllInactive();
        }
    }

    private void EndRejectPulse()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return; // Dispose drives it inactive itself, before releasing the line.
            }

            _lines.Reject?.SetActive(false);
        }
    }

    private void DriveAllInactive()
    {
        // Reject first: it is the output that moves things. One failing line must not keep the others active.
        List<Exception>? failures = null;
        foreach (var line in _lines.All())
        {
            try
            {
                line.SetActive(false);
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("Could not drive every station output inactive.", failures);
        }
    }
}
