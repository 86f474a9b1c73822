using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>Messages for libgpiod failures: what failed, the OS reason, and what a person should do about it.</summary>
internal static class GpiodErrors
{
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int EPERM = 1;

    private const string PermissionFix = "install firmware-config/udev/60-edgeinspect-gpio.rules "
                                         + "and add the user to the `gpio` group (`sudo usermod -aG gpio <user>`, then log in again)";

    public static string ChipOpenFailed(string chip, int errno) => ChipOpenFailed(chip, errno, forLine: null);

    /// <param name="chip">The chip name, e.g. "gpiochip0".</param>
    /// <param name="errno">The OS error of the open.</param>
    /// <param name="forLine">The line the chip was opened for, e.g. "line 17 (inspector 'left' pass button)"; null when none.</param>
    public static string ChipOpenFailed(string chip, int errno, string? forLine)
    {
        var device = $"/dev/{chip}";
        var reason = Marshal.GetPInvokeErrorMessage(errno);
        var fix = errno switch
        {
            ENOENT => $"no {device} on this machine: check the chip name in the station config (`gpiodetect` lists the chips), "
                      + "and that the kernel has GPIO support (CONFIG_GPIOLIB)",
            ENOTTY => $"{device} is not a GPIO character device: check the chip name in the station config (`gpiodetect` lists the chips)",
            EACCES or EPERM => $"the service user may not open {device}: {PermissionFix}",
            _ => "check the chip name in the station config and the device's permissions",
        };
        var purpose = forLine is null ? "" : $" for {forLine}";
        return $"Cannot open GPIO chip '{chip}' ({device}){purpose}: {reason} (errno {errno}). Fix: {fix}.";
    }

    public static string LineMissing(string chip, int offset, uint lineCount, string purpose, int errno) =>
        $"GPIO chip '{chip}' has no line {offset} for the {purpose}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); "
        + $"the chip has lines 0 to {(int)lineCount - 1}. Fix: set the line offset in the station config "
        + $"(on a Raspberry Pi the BCM GPIO number, not the header pin; `gpioinfo {chip}` lists the lines).";

    public static string RequestFailed(string chip, int offset, string purpose, int errno)
    {
        var fix = errno switch
        {
            EBUSY => $"another program or a kernel driver holds the line: `gpioinfo {chip}` shows its consumer; stop it, "
                     + "or free the pin in the device tree (e.g. an overlay using it in config.txt)",
            EACCES or EPERM => $"the service user may not request lines on /dev/{chip}: {PermissionFix}",
            EINVAL => "the kernel rejected the line settings: pull-up/pull-down bias needs Linux 5.5 or later; "
                      + "set bias to asIs and fit an external resistor, or update the kernel",
            _ => "check the line in the station config",
        };
        return $"Cannot request line {offset} on GPIO chip '{chip}' for the {purpose}: {Marshal.GetPInvokeErrorMessage(errno)} "
               + $"(errno {errno}). Fix: {fix}.";
    }

    public static string LineIoFailed(string chip, int offset, string purpose, string operation, int errno) =>
        $"Cannot {operation} line {offset} on GPIO chip '{chip}' ({purpose}): {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).";
}
