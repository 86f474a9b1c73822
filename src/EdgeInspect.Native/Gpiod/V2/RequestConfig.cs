using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod.V2;

/// <summary><c>struct gpiod_request_config</c>: the consumer name other tools show, and the kernel's edge queue size.</summary>
internal sealed unsafe class RequestConfig : IDisposable
{
    private RequestConfig(RequestConfigHandle handle)
    {
        Handle = handle;
    }

    internal RequestConfigHandle Handle { get; }

    /// <param name="api">The libgpiod 2 to allocate from.</param>
    /// <param name="consumer">Shown by <c>gpioinfo</c> for the requested lines.</param>
    /// <param name="kernelEdgeQueue">Edges the kernel keeps for the request before it overwrites the oldest (0: 16 per line).</param>
    public static RequestConfig Create(GpiodV2Api api, string consumer, int kernelEdgeQueue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(kernelEdgeQueue);
        var raw = api.gpiod_request_config_new();
        var errno = Marshal.GetLastSystemError();
        if (raw == 0)
        {
            throw new GpiodException($"libgpiod 2 could not allocate a request config: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
        }

        fixed (byte* name = Chip.Utf8(consumer))
        {
            api.gpiod_request_config_set_consumer(raw, name);
        }

        api.gpiod_request_config_set_event_buffer_size(raw, (nuint)kernelEdgeQueue);
        return new RequestConfig(new RequestConfigHandle(api, raw));
    }

    public string? Consumer
    {
        get
        {
            using var config = Handle.Borrow();
            return Marshal.PtrToStringUTF8((nint)Handle.Api.gpiod_request_config_get_consumer(config.Pointer));
        }
    }

    public int KernelEdgeQueue
    {
        get
        {
            using var config = Handle.Borrow();
            return (int)Handle.Api.gpiod_request_config_get_event_buffer_size(config.Pointer);
        }
    }

    public void Dispose() => Handle.Dispose();
}
