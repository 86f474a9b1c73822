using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>An open GPIO chip (/dev/gpiochipN) through libgpiod 1.6.</summary>
public sealed class GpiodChip : IDisposable
{
    private readonly ChipSafeHandle _handle;

    private GpiodChip(string name, ChipSafeHandle handle)
    {
        Name = name;
        _handle = handle;
    }

    public string Name { get; }

    internal ChipSafeHandle Handle => _handle;

    /// <summary>Opens a chip by name ("gpiochip0") and fails with a message naming the chip and the fix.</summary>
    /// <exception cref="GpiodException">The chip does not exist, is not a GPIO chip, or access is denied.</exception>
    public static GpiodChip Open(string name)
    {
        NativeLibraries.Load(NativeLibraryId.Gpiod);
        var raw = GpiodNative.gpiod_chip_open_by_name(name);
        if (raw == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new GpiodException(GpiodErrors.ChipOpenFailed(name, errno), errno);
        }

        var handle = new ChipSafeHandle();
        Marshal.InitHandle(handle, raw);
        return new GpiodChip(name, handle);
    }

    public void Dispose() => _handle.Dispose();
}
