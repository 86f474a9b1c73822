using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>
/// Raw libgpiod 1.6 exports (gpiod.h, v1 API; soname libgpiod.so.2). The v2 library (libgpiod.so.3) has a different
/// API and is not supported. Calls that fail return NULL or -1 and set errno, hence SetLastError.
/// </summary>
internal static partial class GpiodNative
{
    private const string Library = "libgpiod.so.2";

    /// <summary><c>const char *gpiod_version_string(void)</c></summary>
    [LibraryImport(Library)]
    public static partial nint gpiod_version_string();

    /// <summary><c>struct gpiod_chip *gpiod_chip_open_by_name(const char *name)</c>: "gpiochip0" opens /dev/gpiochip0.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint gpiod_chip_open_by_name(string name);

    /// <summary><c>void gpiod_chip_close(struct gpiod_chip *chip)</c></summary>
    [LibraryImport(Library)]
    public static partial void gpiod_chip_close(nint chip);
}
