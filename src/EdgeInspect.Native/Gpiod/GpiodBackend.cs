using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Native.Gpiod;

/// <summary>
/// Core's <see cref="IGpioBackend"/> on libgpiod 1.6 (libgpiod.so.2): opens each chip once, and requests lines from it.
/// <see cref="GpiodBackends.Create(TimeProvider)"/> picks it or <see cref="V2.GpiodV2Backend"/> by the library that loads.
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

internal sealed class GpiodOutputLine(GpiodLine line) : IOutputLine
{
    public void SetActive(bool active) => line.SetValue(active);

    public void Dispose() => line.Dispose();
}
