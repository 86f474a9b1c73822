using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>
/// Messages for libgpiod failures: what failed, the OS reason, and what a person should do about it. The wording is the
/// same on both APIs; only the tool syntax (<c>gpioinfo</c>) and the kernel a request needs differ.
/// </summary>
internal sealed class GpiodErrors
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;

    private const string PermissionFix = "install firmware-config/udev/60-edgeinspect-gpio.rules "
                                         + "and add the user to the `gpio` group (`sudo usermod -aG gpio <user>`, then log in again)";

    private readonly GpiodApi _api;

    private GpiodErrors(GpiodApi api)
    {
        _api = api;
    }

    /// <summary>libgpiod 1.6 (tools: <c>gpioinfo gpiochip0</c>).</summary>
    public static GpiodErrors V1 { get; } = new(GpiodApi.V1);

    /// <summary>libgpiod 2 (tools: <c>gpioinfo -c gpiochip0</c>).</summary>
    public static GpiodErrors V2 { get; } = new(GpiodApi.V2);

    public static GpiodErrors For(GpiodApi api) => api == GpiodApi.V2 ? V2 : V1;

    public string ChipOpenFailed(string chip, int errno) => ChipOpenFailed(chip, errno, forLine: null);

    /// <param name="chip">The chip name, e.g. "gpiochip0".</param>
    /// <param name="errno">The OS error of the open.</param>
    /// <param name="forLine">The line the chip was opened for, e.g. "line 17 (inspector 'left' pass button)"; null when none.</param>
    public string ChipOpenFailed(string chip, int errno, string? forLine)
    {
        var device = $"/dev/{chip}";
        var reason = Marshal.GetPInvokeErrorMessage(errno);
        var fix = errno switch
        {
            ENOENT => $"no {device} on this machine: check the chip name in the station config (`gpiodetect` lists the chips), "
                      + "and that the kernel has GPIO support (CONFIG_GPIOLIB)",
            // libgpiod 1.6 finds out with an ioctl (ENOTTY), libgpiod 2 from sysfs before opening (ENODEV).
            ENOTTY or ENODEV => $"{device} is not a GPIO character device: check the chip name in the station config (`gpiodetect` lists the chips)",
            EACCES or EPERM => $"the service user may not open {device}: {PermissionFix}",
            _ => "check the chip name in the station config and the device's permissions",
        };
        var purpose = forLine is null ? "" : $" for {forLine}";
        return $"Cannot open GPIO chip '{chip}' ({device}){purpose}: {reason} (errno {errno}). Fix: {fix}.";
    }

    public string LineMissing(string chip, int offset, uint lineCount, string purpose, int errno) =>
        $"GPIO chip '{chip}' has no line {offset} for the {purpose}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); "
        + $"the chip has lines 0 to {(int)lineCount - 1}. Fix: set the line offset in the station config "
        + $"(on a Raspberry Pi the BCM GPIO number, not the header pin; `{Gpioinfo(chip)}` lists the lines).";

    public string RequestFailed(string chip, int offset, string purpose, int errno)
    {
        var fix = errno switch
        {
            EBUSY => $"another program or a kernel driver holds the line: `{Gpioinfo(chip)}` shows its consumer; stop it, "
                     + "or free the pin in the device tree (e.g. an overlay using it in config.txt)",
            EACCES or EPERM => $"the service user may not request lines on /dev/{chip}: {PermissionFix}",
            EINVAL when _api == GpiodApi.V2 =>
                "the kernel rejected the line request: libgpiod 2 needs Linux 5.10 or later (the GPIO character device's uAPI v2), "
                + "and pull-up/pull-down bias 5.5 or later; update the kernel, or on an older kernel install libgpiod 1.6 (libgpiod2) "
                + "and set EDGEINSPECT_GPIOD_LIBRARY to its libgpiod.so.2",
            EINVAL => "the kernel rejected the line settings: pull-up/pull-down bias needs Linux 5.5 or later; "
                      + "set bias to asIs and fit an external resistor, or update the kernel",
            _ => "check the line in the station config",
        };
        return $"Cannot request line {offset} on GPIO chip '{chip}' for the {purpose}: {Marshal.GetPInvokeErrorMessage(errno)} "
               + $"(errno {errno}). Fix: {fix}.";
    }

    public string ChipInfoFailed(string chip, int errno) =>
        $"Cannot read the line count of GPIO chip '{chip}' (/dev/{chip}): {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).";

    public string LineIoFailed(string chip, int offset, string purpose, string operation, int errno) =>
        $"Cannot {operation} line {offset} on GPIO chip '{chip}' ({purpose}): {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).";

    /// <summary>The command that lists a chip's lines and their consumers: libgpiod 2's tools take the chip as an option.</summary>
    public string Gpioinfo(string chip) => _api == GpiodApi.V2 ? $"gpioinfo -c {chip}" : $"gpioinfo {chip}";
}
