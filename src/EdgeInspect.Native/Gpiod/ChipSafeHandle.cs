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
