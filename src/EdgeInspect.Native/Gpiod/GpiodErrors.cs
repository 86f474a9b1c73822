using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>Messages for libgpiod failures: what failed, the OS reason, and what a person should do about it.</summary>
internal static class GpiodErrors
{
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENOTTY = 25;
    public const int EPERM = 1;

    public static string ChipOpenFailed(string chip, int errno)
    {
        var device = $"/dev/{chip}";
        var reason = Marshal.GetPInvokeErrorMessage(errno);
        var fix = errno switch
        {
            ENOENT => $"no {device} on this machine: check the chip name in the station config (`gpiodetect` lists the chips), "
                      + "and that the kernel has GPIO support (CONFIG_GPIOLIB)",
            ENOTTY => $"{device} is not a GPIO character device: check the chip name in the station config (`gpiodetect` lists the chips)",
            EACCES or EPERM => $"the service user may not open {device}: install firmware-config/udev/60-edgeinspect-gpio.rules "
                               + "and add the user to the `gpio` group (`sudo usermod -aG gpio <user>`, then log in again)",
            _ => "check the chip name in the station config and the device's permissions",
        };
        return $"Cannot open GPIO chip '{chip}' ({device}): {reason} (errno {errno}). Fix: {fix}.";
    }
}
