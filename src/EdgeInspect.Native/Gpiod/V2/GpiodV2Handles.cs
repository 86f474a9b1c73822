using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod.V2;

/// <summary>
/// Owns one libgpiod 2 object; the subclass names the free function. It keeps the <see cref="GpiodV2Api"/> it came
/// from, so the object is freed by the same file that allocated it.
/// </summary>
internal abstract class GpiodV2Handle : SafeHandle
{
    protected GpiodV2Handle(GpiodV2Api api, nint pointer)
        : base(0, ownsHandle: true)
    {
        Api = api;
        SetHandle(pointer);
    }

    public GpiodV2Api Api { get; }

    public override bool IsInvalid => handle == 0;

    /// <summary>
    /// The pointer for one native call, with a reference held until the lease is disposed, so a concurrent Dispose (a
    /// stopping station while the watcher waits for an edge) defers the free instead of racing it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The object was already freed.</exception>
    public Lease Borrow()
    {
        var added = false;
        DangerousAddRef(ref added);
        return new Lease(this);
    }

    internal readonly ref struct Lease(GpiodV2Handle owner)
    {
        public nint Pointer => owner.DangerousGetHandle();

        public void Dispose() => owner.DangerousRelease();
    }
}

/// <summary><c>struct gpiod_chip*</c>. Closing it leaves the chip's requests in place: each request has its own file.</summary>
internal sealed unsafe class ChipHandle(GpiodV2Api api, nint pointer) : GpiodV2Handle(api, pointer)
{
    protected override bool ReleaseHandle()
    {
        Api.gpiod_chip_close(handle);
        return true;
    }
}

/// <summary><c>struct gpiod_chip_info*</c></summary>
internal sealed unsafe class ChipInfoHandle(GpiodV2Api api, nint pointer) : GpiodV2Handle(api, pointer)
{
    protected override bool ReleaseHandle()
    {
        Api.gpiod_chip_info_free(handle);
        return true;
    }
}

/// <summary><c>struct gpiod_line_settings*</c></summary>
internal sealed unsafe class LineSettingsHandle(GpiodV2Api api, nint pointer) : GpiodV2Handle(api, pointer)
{
    protected override bool ReleaseHandle()
    {
        Api.gpiod_line_settings_free(handle);
        return true;
    }
}

/// <summary><c>struct gpiod_line_config*</c></summary>
internal sealed unsafe class LineConfigHandle(GpiodV2Api api, nint pointer) : GpiodV2Handle(api, pointer)
{
    protected override bool ReleaseHandle()
    {
        Api.gpiod_line_config_free(handle);
        return true;
    }
}

/// <summary><c>struct gpiod_request_config*</c></summary>
internal sealed unsafe class RequestConfigHandle(GpiodV2Api api, nint pointer) : GpiodV2Handle(api, pointer)
{
    protected override bool ReleaseHandle()
    {
        Api.gpiod_request_config_free(handle);
        return true;
    }
}

/// <summary><c>struct gpiod_line_request*</c>: releasing it gives the lines back to the kernel.</summary>
internal sealed unsafe class LineRequestHandle(GpiodV2Api api, nint pointer) : GpiodV2Handle(api, pointer)
{
    protected override bool ReleaseHandle()
    {
        Api.gpiod_line_request_release(handle);
        return true;
    }
}

/// <summary><c>struct gpiod_edge_event_buffer*</c>; the events in it are borrowed and die with it.</summary>
internal sealed unsafe class EdgeEventBufferHandle(GpiodV2Api api, nint pointer) : GpiodV2Handle(api, pointer)
{
    protected override bool ReleaseHandle()
    {
        Api.gpiod_edge_event_buffer_free(handle);
        return true;
    }
}
