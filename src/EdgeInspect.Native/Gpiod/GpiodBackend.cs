using System.Diagnostics;
using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Native.Gpiod;

/// <summary>
/// Core's <see cref="IGpioBackend"/> on libgpiod: opens each chip once, and requests lines from it.
/// </summary>
/// <remarks>
/// Outputs are requested at their inactive level. If the process dies, the kernel releases its lines, but a released
/// line keeps the level it was last driven to on most GPIO drivers; the wiring and the service unit must make that
/// safe (see firmware-config/gpio/README.md).
/// </remarks>
public sealed class GpiodBackend : IGpioBackend
{
    private readonly TimeProvider _time;
    private readonly Dictionary<string, GpiodChip> _chips = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <param name="time">The station clock; edge timestamps are converted into its <see cref="TimeProvider.GetTimestamp"/> units.</param>
    public GpiodBackend(TimeProvider time)
    {
        _time = time;
    }

    public IInputLine OpenInput(string chip, GpioInputOptions input, string purpose)
    {
        var line = Chip(chip, input.Line, purpose).RequestInput(input.Line, purpose, GpiodInputMode.BothEdges, input.ActiveLow, Bias(input.Bias));
        return new GpiodInputLine(line, _time);
    }

    public IOutputLine OpenOutput(string chip, GpioOutputOptions output, string purpose) =>
        new GpiodOutputLine(Chip(chip, output.Line, purpose).RequestOutput(output.Line, purpose, output.ActiveLow));

    /// <summary>Closes the chips; lines still requested keep their chip open until they are disposed.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var chip in _chips.Values)
            {
                chip.Dispose();
            }

            _chips.Clear();
        }
    }

    internal static GpiodBias Bias(LineBias bias) => bias switch
    {
        LineBias.Disabled => GpiodBias.Disabled,
        LineBias.PullUp => GpiodBias.PullUp,
        LineBias.PullDown => GpiodBias.PullDown,
        _ => GpiodBias.AsIs,
    };

    private GpiodChip Chip(string name, int offset, string purpose)
    {
        lock (_gate)
        {
            if (!_chips.TryGetValue(name, out var chip))
            {
                chip = GpiodChip.Open(name, forLine: $"line {offset} ({purpose})");
                _chips[name] = chip;
            }

            return chip;
        }
    }
}

/// <summary>An input line with edge events, in the station clock's timestamps.</summary>
internal sealed class GpiodInputLine(GpiodLine line, TimeProvider time) : IInputLine
{
    /// <summary>Kernel timestamps further than this from the station clock are in another clock domain.</summary>
    private static readonly TimeSpan SameClockTolerance = TimeSpan.FromSeconds(10);

    public bool IsActive => line.GetValue();

    public bool TryWaitForEdge(TimeSpan timeout, out LineEdge edge)
    {
        if (!line.WaitForEdge(timeout))
        {
            edge = default;
            return false;
        }

        var e = line.ReadEdge();
        edge = new LineEdge(e.BecameActive, ToStationTimestamp(e.KernelTimestampNanoseconds));
        return true;
    }

    public void Dispose() => line.Dispose();

    /// <summary>
    /// Uses the kernel's timestamp when it is on the station clock, so bounces read late in a burst keep their real
    /// spacing. That holds for the system clock (Stopwatch is CLOCK_MONOTONIC on Linux) on kernels 5.7 and later;
    /// otherwise (older kernels stamp CLOCK_REALTIME, or a test clock) the read time stands in.
    /// </summary>
    private long ToStationTimestamp(long kernelNanoseconds)
    {
        var now = time.GetTimestamp();
        if (!ReferenceEquals(time, TimeProvider.System))
        {
            return now;
        }

        var kernel = (long)(kernelNanoseconds * (Stopwatch.Frequency / 1e9));
        return Math.Abs(time.GetElapsedTime(kernel, now).Ticks) <= SameClockTolerance.Ticks ? kernel : now;
    }
}

internal sealed class GpiodOutputLine(GpiodLine line) : IOutputLine
{
    public void SetActive(bool active) => line.SetValue(active);

    public void Dispose() => line.Dispose();
}
