using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>How a requested input line reports changes.</summary>
public enum GpiodInputMode
{
    /// <summary>Value reads only.</summary>
    ValuesOnly,

    /// <summary>Rising and falling edge events, with kernel timestamps.</summary>
    BothEdges,
}

/// <summary>The internal pull resistor of an input line (needs Linux 5.5+ for anything but AsIs).</summary>
public enum GpiodBias
{
    AsIs,
    Disabled,
    PullUp,
    PullDown,
}

/// <summary>An open GPIO chip (/dev/gpiochipN) through libgpiod 1.6 (libgpiod 2: <see cref="V2.Chip"/>).</summary>
/// <remarks>Disposing the chip while lines are requested is safe: each line holds the chip open until it is released.</remarks>
public sealed class GpiodChip : IDisposable
{
    /// <summary>The consumer name other tools (gpioinfo) show for our lines.</summary>
    public const string Consumer = "edgeinspect";

    private readonly ChipSafeHandle _handle;

    private GpiodChip(string name, ChipSafeHandle handle)
    {
        Name = name;
        _handle = handle;
    }

    public string Name { get; }

    public int LineCount => (int)GpiodNative.gpiod_chip_num_lines(_handle);

    internal ChipSafeHandle Handle => _handle;

    /// <summary>Opens a chip by name ("gpiochip0") and fails with a message naming the chip and the fix.</summary>
    /// <exception cref="GpiodException">The chip does not exist, is not a GPIO chip, or access is denied.</exception>
    public static GpiodChip Open(string name) => Open(name, forLine: null);

    /// <param name="name">The chip, e.g. "gpiochip0".</param>
    /// <param name="forLine">What the chip is opened for, named in the error, e.g. "line 17 (inspector 'left' pass button)".</param>
    public static GpiodChip Open(string name, string? forLine)
    {
        var library = GpiodLibrary.Selected();
        if (library.Api != GpiodApi.V1)
        {
            // The [LibraryImport]s below resolve to the library this process chose; a libgpiod 2 file lacks their exports.
            throw new InvalidOperationException(
                $"GpiodChip is the libgpiod 1.6 binding, but this process loaded libgpiod {library}; open lines through GpiodBackends.Create.");
        }

        var raw = GpiodNative.gpiod_chip_open_by_name(name);
        if (raw == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new GpiodException(GpiodErrors.V1.ChipOpenFailed(name, errno, forLine), errno);
        }

        var handle = new ChipSafeHandle();
        Marshal.InitHandle(handle, raw);
        return new GpiodChip(name, handle);
    }

    /// <summary>Requests a line as an input.</summary>
    /// <param name="offset">The line offset on this chip.</param>
    /// <param name="purpose">What it is for, named in errors (e.g. "inspector 'left' pass button").</param>
    /// <param name="mode">Whether the kernel queues edge events for it.</param>
    /// <param name="activeLow">True when the line reads low while active; values and edges are then logical.</param>
    /// <param name="bias">The internal pull resistor.</param>
    /// <exception cref="GpiodException">No such line, the line is busy, or the settings are refused; the message says which and the fix.</exception>
    public GpiodLine RequestInput(int offset, string purpose, GpiodInputMode mode, bool activeLow, GpiodBias bias)
    {
        var line = GetLine(offset, purpose);
        var flags = (int)(Flags(activeLow) | bias switch
        {
            GpiodBias.Disabled => GpiodNative.RequestFlags.BiasDisable,
            GpiodBias.PullUp => GpiodNative.RequestFlags.BiasPullUp,
            GpiodBias.PullDown => GpiodNative.RequestFlags.BiasPullDown,
            _ => GpiodNative.RequestFlags.None,
        });
        var rc = mode == GpiodInputMode.BothEdges
            ? GpiodNative.gpiod_line_request_both_edges_events_flags(line, Consumer, flags)
            : GpiodNative.gpiod_line_request_input_flags(line, Consumer, flags);
        GpiodException.ThrowIfFailed(rc, errno => GpiodErrors.V1.RequestFailed(Name, offset, purpose, errno));
        return new GpiodLine(Name, offset, purpose, LineRequestSafeHandle.Adopt(_handle, line));
    }

    /// <summary>Requests a line as an output, driven inactive from the first instant.</summary>
    /// <exception cref="GpiodException">No such line, or the line is busy; the message says which and the fix.</exception>
    public GpiodLine RequestOutput(int offset, string purpose, bool activeLow)
    {
        var line = GetLine(offset, purpose);
        // default_val is logical (active-low applied), so 0 is inactive on either polarity.
        var rc = GpiodNative.gpiod_line_request_output_flags(line, Consumer, (int)Flags(activeLow), defaultValue: 0);
        GpiodException.ThrowIfFailed(rc, errno => GpiodErrors.V1.RequestFailed(Name, offset, purpose, errno));
        return new GpiodLine(Name, offset, purpose, LineRequestSafeHandle.Adopt(_handle, line));
    }

    public void Dispose() => _handle.Dispose();

    private static GpiodNative.RequestFlags Flags(bool activeLow) =>
        activeLow ? GpiodNative.RequestFlags.ActiveLow : GpiodNative.RequestFlags.None;

    private nint GetLine(int offset, string purpose)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var line = GpiodNative.gpiod_chip_get_line(_handle, (uint)offset);
        if (line == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new GpiodException(GpiodErrors.V1.LineMissing(Name, offset, GpiodNative.gpiod_chip_num_lines(_handle), purpose, errno), errno);
        }

        return line;
    }
}

/// <summary>A requested GPIO line. Dispose releases it; the kernel also releases it if the process dies.</summary>
/// <remarks>Not thread-safe: one thread at a time per line.</remarks>
public sealed class GpiodLine : IEdgeEventSource
{
    private readonly LineRequestSafeHandle _handle;

    internal GpiodLine(string chip, int offset, string purpose, LineRequestSafeHandle handle)
    {
        Chip = chip;
        Offset = offset;
        Purpose = purpose;
        _handle = handle;
    }

    public string Chip { get; }

    public int Offset { get; }

    public string Purpose { get; }

    /// <summary>The logical value (true = active).</summary>
    public bool GetValue() =>
        GpiodException.ThrowIfFailed(GpiodNative.gpiod_line_get_value(_handle), Failed("read")) == 1;

    public void SetValue(bool active) =>
        GpiodException.ThrowIfFailed(GpiodNative.gpiod_line_set_value(_handle, active ? 1 : 0), Failed("set"));

    /// <summary>Waits up to <paramref name="timeout"/> for an edge event; false on timeout. Keep it short: it is how a reader stays cancellable.</summary>
    public bool WaitForEdge(TimeSpan timeout)
    {
        var ticks = Math.Max(0, timeout.Ticks);
        var span = new GpiodNative.Timespec
        {
            Seconds = new CLong((nint)(ticks / TimeSpan.TicksPerSecond)),
            Nanoseconds = new CLong((nint)(ticks % TimeSpan.TicksPerSecond * 100)),
        };
        return GpiodException.ThrowIfFailed(GpiodNative.gpiod_line_event_wait(_handle, in span), Failed("wait for an edge on")) == 1;
    }

    /// <summary>Reads the next queued edge; blocks if none is queued, so call it after <see cref="WaitForEdge"/> returned true.</summary>
    public GpiodEdge ReadEdge()
    {
        GpiodException.ThrowIfFailed(GpiodNative.gpiod_line_event_read(_handle, out var e), Failed("read an edge from"));
        var nanoseconds = (long)e.Timestamp.Seconds.Value * 1_000_000_000L + (long)e.Timestamp.Nanoseconds.Value;
        return new GpiodEdge(e.EventType == GpiodNative.EventRisingEdge, nanoseconds);
    }

    public void Dispose() => _handle.Dispose();

    bool IEdgeEventSource.WaitForEdges(TimeSpan timeout) => WaitForEdge(timeout);

    /// <summary>The v1 uAPI hands out one event per read: the kernel keeps up to 16 per line until then.</summary>
    int IEdgeEventSource.ReadEdges(Span<GpiodEdge> into)
    {
        into[0] = ReadEdge();
        return 1;
    }

    private Func<int, string> Failed(string operation) => errno => GpiodErrors.V1.LineIoFailed(Chip, Offset, Purpose, operation, errno);
}
