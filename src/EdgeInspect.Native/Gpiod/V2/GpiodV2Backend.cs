using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Native.Gpiod.V2;

/// <summary>
/// Core's <see cref="IGpioBackend"/> on libgpiod 2 (libgpiod.so.3), with the behaviour of <see cref="GpiodBackend"/>:
/// one request per line, in which the kernel gets every setting at once (direction, both edges, bias, active-low,
/// CLOCK_MONOTONIC timestamps; for outputs the inactive first value), so nothing is reconfigured afterwards.
/// </summary>
/// <remarks>
/// Outputs are requested at their inactive level. If the process dies, the kernel releases its lines, but a released
/// line keeps the level it was last driven to on most GPIO drivers; the wiring and the service unit must make that
/// safe (see firmware-config/gpio/README.md).
/// </remarks>
public sealed class GpiodV2Backend : IGpioBackend
{
    /// <summary>Edges the kernel keeps per input line before overwriting the oldest (libgpiod's default is 16; 1.6's uAPI has 16).</summary>
    internal const int KernelEdgeQueue = 64;

    private readonly GpiodV2Api _api;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Chip> _chips = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <param name="library">A libgpiod 2 library (<see cref="GpiodLibrary.Selected"/>, or one a test loaded).</param>
    /// <param name="time">The station clock; edge timestamps are converted into its <see cref="TimeProvider.GetTimestamp"/> units.</param>
    public GpiodV2Backend(GpiodLibrary library, TimeProvider time)
    {
        _api = library.V2Api ?? throw new ArgumentException($"libgpiod {library} is not libgpiod 2.", nameof(library));
        _time = time;
    }

    public IInputLine OpenInput(string chip, GpioInputOptions input, string purpose)
    {
        using var settings = LineSettings.Input(_api, input.ActiveLow, GpiodBackend.Bias(input.Bias));
        var request = Request(chip, input.Line, purpose, settings, KernelEdgeQueue);
        try
        {
            return new GpiodInputLine(new EdgeEvents(request, EdgeEventBuffer.Create(_api, GpiodInputLine.ReadBatch)), _time);
        }
        catch
        {
            request.Dispose();
            throw;
        }
    }

    public IOutputLine OpenOutput(string chip, GpioOutputOptions output, string purpose)
    {
        using var settings = LineSettings.Output(_api, output.ActiveLow);
        return new OutputLine(Request(chip, output.Line, purpose, settings, kernelEdgeQueue: 0));
    }

    /// <summary>Closes the chips; requested lines stay requested until they are disposed.</summary>
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

    /// <summary>The request config and line config a request of <paramref name="offset"/> with <paramref name="settings"/> sends.</summary>
    internal static (RequestConfig Request, LineConfig Lines) Configs(GpiodV2Api api, int offset, LineSettings settings, int kernelEdgeQueue)
    {
        var request = RequestConfig.Create(api, GpiodChip.Consumer, kernelEdgeQueue);
        try
        {
            return (request, LineConfig.For(api, offset, settings));
        }
        catch
        {
            request.Dispose();
            throw;
        }
    }

    private LineRequest Request(string chipName, int offset, string purpose, LineSettings settings, int kernelEdgeQueue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var chip = Chip(chipName, offset, purpose);
        var (request, lines) = Configs(_api, offset, settings, kernelEdgeQueue);
        using (request)
        using (lines)
        {
            return chip.Request(offset, purpose, request, lines);
        }
    }

    private Chip Chip(string name, int offset, string purpose)
    {
        lock (_gate)
        {
            if (!_chips.TryGetValue(name, out var chip))
            {
                chip = V2.Chip.Open(_api, name, forLine: $"line {offset} ({purpose})");
                _chips[name] = chip;
            }

            return chip;
        }
    }

    /// <summary>An input request and the buffer its edges are read through; disposing releases both.</summary>
    private sealed class EdgeEvents(LineRequest request, EdgeEventBuffer buffer) : IEdgeEventSource
    {
        public bool GetValue() => request.GetValue();

        public bool WaitForEdges(TimeSpan timeout) => request.WaitForEdges(timeout);

        public int ReadEdges(Span<GpiodEdge> into) => request.ReadEdges(buffer, into);

        public void Dispose()
        {
            request.Dispose();
            buffer.Dispose();
        }
    }

    private sealed class OutputLine(LineRequest request) : IOutputLine
    {
        public void SetActive(bool active) => request.SetValue(active);

        public void Dispose() => request.Dispose();
    }
}
