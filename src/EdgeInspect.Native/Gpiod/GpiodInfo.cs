namespace EdgeInspect.Native.Gpiod;

/// <summary>The loaded libgpiod, for `doctor` and startup logs.</summary>
public static class GpiodInfo
{
    /// <summary>The version the library reports, e.g. "2.2.1" or "1.6.3".</summary>
    public static string Version() => GpiodLibrary.Selected().Version;

    /// <summary>Version, API and file, e.g. "2.2.1 (libgpiod v2 API, /usr/lib/aarch64-linux-gnu/libgpiod.so.3.1.1)".</summary>
    public static string Describe() => GpiodLibrary.Selected().ToString();
}
