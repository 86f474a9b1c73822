using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>The version of the loaded libgpiod.</summary>
public static class GpiodInfo
{
    public static string Version()
    {
        NativeLibraries.Load(NativeLibraryId.Gpiod);
        return Marshal.PtrToStringUTF8(GpiodNative.gpiod_version_string()) ?? "";
    }
}
