using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>Owns one <c>struct gpiod_chip*</c>; closing the chip releases every line requested from it.</summary>
internal sealed class ChipSafeHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        GpiodNative.gpiod_chip_close(handle);
        return true;
    }
}

/// <summary>
/// Owns the request on one <c>struct gpiod_line*</c> (the pointer itself is borrowed from the chip). It holds a
/// reference on the chip's handle, so the chip cannot close, and free the line, before the request is released.
/// </summary>
internal sealed class LineRequestSafeHandle() : SafeHandle(0, ownsHandle: true)
{
    private ChipSafeHandle? _chip;

    public override bool IsInvalid => handle == 0;

    /// <summary>Takes over a line that was just requested successfully.</summary>
    public static LineRequestSafeHandle Adopt(ChipSafeHandle chip, nint requestedLine)
    {
        var request = new LineRequestSafeHandle();
        var added = false;
        chip.DangerousAddRef(ref added);
        request._chip = chip;
        request.SetHandle(requestedLine);
        return request;
    }

    protected override bool ReleaseHandle()
    {
        GpiodNative.gpiod_line_release(handle);
        _chip?.DangerousRelease();
        return true;
    }
}
