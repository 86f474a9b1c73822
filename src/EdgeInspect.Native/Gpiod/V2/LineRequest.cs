using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod.V2;

/// <summary>
/// <c>struct gpiod_line_request</c> of one line. Dispose releases the line; the kernel also releases it if the process dies.
/// </summary>
/// <remarks>One thread reads edges; values may be read or set from another.</remarks>
internal sealed unsafe class LineRequest : IDisposable
{
    private readonly LineRequestHandle _handle;

    internal LineRequest(string chip, int offset, string purpose, LineRequestHandle handle)
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
    public bool GetValue()
    {
        int value, errno;
        using (var request = _handle.Borrow())
        {
            value = _handle.Api.gpiod_line_request_get_value(request.Pointer, (uint)Offset);
            errno = Marshal.GetLastSystemError();
        }

        return GpiodException.ThrowIfFailed(value, errno, Failed("read")) == GpiodV2Api.LineValueActive;
    }

    public void SetValue(bool active)
    {
        int rc, errno;
        using (var request = _handle.Borrow())
        {
            rc = _handle.Api.gpiod_line_request_set_value(request.Pointer, (uint)Offset,
                active ? GpiodV2Api.LineValueActive : GpiodV2Api.LineValueInactive);
            errno = Marshal.GetLastSystemError();
        }

        GpiodException.ThrowIfFailed(rc, errno, Failed("set"));
    }

    /// <summary>Waits up to <paramref name="timeout"/> for queued edges; false on timeout.</summary>
    public bool WaitForEdges(TimeSpan timeout)
    {
        // Negative waits forever in libgpiod 2; like the 1.6 binding, a negative timeout polls instead.
        var nanoseconds = Math.Clamp(timeout.Ticks, 0, long.MaxValue / 100) * 100;
        int rc, errno;
        using (var request = _handle.Borrow())
        {
            rc = _handle.Api.gpiod_line_request_wait_edge_events(request.Pointer, nanoseconds);
            errno = Marshal.GetLastSystemError();
        }

        return GpiodException.ThrowIfFailed(rc, errno, Failed("wait for an edge on")) == 1;
    }

    /// <summary>
    /// Reads up to <paramref name="into"/>'s length of the queued edges, oldest first, through <paramref name="buffer"/>;
    /// blocks if none is queued, so call it after <see cref="WaitForEdges"/> returned true.
    /// </summary>
    /// <returns>How many edges were written to <paramref name="into"/>.</returns>
    public int ReadEdges(EdgeEventBuffer buffer, Span<GpiodEdge> into)
    {
        var api = _handle.Api;
        using var events = buffer.Handle.Borrow();
        var max = (nuint)Math.Min(into.Length, buffer.Capacity);
        int read, errno;
        using (var request = _handle.Borrow())
        {
            read = api.gpiod_line_request_read_edge_events(request.Pointer, events.Pointer, max);
            errno = Marshal.GetLastSystemError();
        }

        GpiodException.ThrowIfFailed(read, errno, Failed("read an edge from"));
        for (var i = 0; i < read; i++)
        {
            var e = api.gpiod_edge_event_buffer_get_event(events.Pointer, (nuint)i);
            into[i] = new GpiodEdge(
                api.gpiod_edge_event_get_event_type(e) == GpiodV2Api.EventRisingEdge,
                (long)api.gpiod_edge_event_get_timestamp_ns(e));
        }

        return read;
    }

    public void Dispose() => _handle.Dispose();

    private Func<int, string> Failed(string operation) => errno => GpiodErrors.V2.LineIoFailed(Chip, Offset, Purpose, operation, errno);
}
