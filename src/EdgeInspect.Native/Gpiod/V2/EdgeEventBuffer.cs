using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod.V2;

/// <summary><c>struct gpiod_edge_event_buffer</c>: where one read copies queued edges. One reader thread at a time.</summary>
internal sealed unsafe class EdgeEventBuffer : IDisposable
{
    private EdgeEventBuffer(EdgeEventBufferHandle handle)
    {
        Handle = handle;
    }

    internal EdgeEventBufferHandle Handle { get; }

    /// <param name="api">The libgpiod 2 to allocate from.</param>
    /// <param name="capacity">Edges per read; the library caps it at 1024.</param>
    public static EdgeEventBuffer Create(GpiodV2Api api, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        var raw = api.gpiod_edge_event_buffer_new((nuint)capacity);
        var errno = Marshal.GetLastSystemError();
        return raw == 0
            ? throw new GpiodException($"libgpiod 2 could not allocate an edge event buffer: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno)
            : new EdgeEventBuffer(new EdgeEventBufferHandle(api, raw));
    }

    public int Capacity
    {
        get
        {
            using var buffer = Handle.Borrow();
            return (int)Handle.Api.gpiod_edge_event_buffer_get_capacity(buffer.Pointer);
        }
    }

    public void Dispose() => Handle.Dispose();
}
