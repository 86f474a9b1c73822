using System.Runtime.InteropServices;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Native.Gpiod;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Gpiod;

/// <summary>
/// The real libgpiod on a machine without GPIO (no /dev/gpiochip*): every way in must fail with a message that names
/// the chip, the line and the fix.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GpiodBindingTests
{
    [Fact]
    public void Requesting_A_Button_On_A_Missing_Chip_Names_The_Chip_The_Line_And_The_Fix()
    {
        using var gpio = new GpiodBackend(TimeProvider.System);
        var button = new GpioInputOptions { Line = 17, ActiveLow = true, Bias = LineBias.PullUp };

        var e = Assert.Throws<GpiodException>(() => gpio.OpenInput("gpiochip7", button, "inspector 'left' pass button"));

        Assert.Equal(GpiodErrors.ENOENT, e.Errno);
        Assert.Equal(
            "Cannot open GPIO chip 'gpiochip7' (/dev/gpiochip7) for line 17 (inspector 'left' pass button): "
            + "No such file or directory (errno 2). Fix: no /dev/gpiochip7 on this machine: check the chip name in the station "
            + "config (`gpiodetect` lists the chips), and that the kernel has GPIO support (CONFIG_GPIOLIB).",
            e.Message);
    }

    [Fact]
    public void Requesting_The_Reject_Output_On_A_Missing_Chip_Names_It()
    {
        using var gpio = new GpiodBackend(TimeProvider.System);

        var e = Assert.Throws<GpiodException>(() => gpio.OpenOutput("gpiochip0", new GpioOutputOptions { Line = 5 }, "reject actuator"));

        Assert.Equal(GpiodErrors.ENOENT, e.Errno);
        Assert.Contains("'gpiochip0'", e.Message);
        Assert.Contains("line 5 (reject actuator)", e.Message);
        Assert.Contains("Fix:", e.Message);
    }

    [Fact]
    public void A_Device_That_Is_Not_A_Gpio_Chip_Is_Refused_With_Enotty()
    {
        // gpiod_chip_open_by_name("null") opens /dev/null: a character device, but not a GPIO chip.
        var e = Assert.Throws<GpiodException>(() => GpiodChip.Open("null"));

        Assert.Equal(GpiodErrors.ENOTTY, e.Errno);
        Assert.Contains("is not a GPIO character device", e.Message);
    }
}

/// <summary>Binding facts that need no device: struct layouts and the fixes in error messages.</summary>
public sealed class GpiodBindingShapeTests
{
    [Fact]
    public void Timespec_And_Line_Event_Match_The_C_Layout_For_This_Process()
    {
        // struct timespec { time_t; long; } is two C longs; struct gpiod_line_event adds an int, padded to a long.
        Assert.Equal(2 * IntPtr.Size, Marshal.SizeOf<GpiodNative.Timespec>());
        Assert.Equal(3 * IntPtr.Size, Marshal.SizeOf<GpiodNative.LineEvent>());
        Assert.Equal(2 * IntPtr.Size, (int)Marshal.OffsetOf<GpiodNative.LineEvent>(nameof(GpiodNative.LineEvent.EventType)));
    }

    [Fact]
    public void Request_Flags_Are_The_Bits_Of_Gpiod_H()
    {
        Assert.Equal(1 << 2, (int)GpiodNative.RequestFlags.ActiveLow);
        Assert.Equal(1 << 3, (int)GpiodNative.RequestFlags.BiasDisable);
        Assert.Equal(1 << 4, (int)GpiodNative.RequestFlags.BiasPullDown);
        Assert.Equal(1 << 5, (int)GpiodNative.RequestFlags.BiasPullUp);
    }

    [Fact]
    public void A_Busy_Line_Points_At_Gpioinfo()
    {
        var message = GpiodErrors.RequestFailed("gpiochip0", 17, "inspector 'left' pass button", GpiodErrors.EBUSY);

        Assert.StartsWith("Cannot request line 17 on GPIO chip 'gpiochip0' for the inspector 'left' pass button:", message);
        Assert.Contains("`gpioinfo gpiochip0` shows its consumer", message);
    }

    [Theory]
    [InlineData(GpiodErrors.EACCES)]
    [InlineData(GpiodErrors.EPERM)]
    public void Permission_Denied_Points_At_The_Udev_Rule_And_The_Gpio_Group(int errno)
    {
        var request = GpiodErrors.RequestFailed("gpiochip0", 5, "reject actuator", errno);
        var open = GpiodErrors.ChipOpenFailed("gpiochip0", errno, "line 5 (reject actuator)");

        Assert.All(new[] { request, open }, m =>
        {
            Assert.Contains("firmware-config/udev/60-edgeinspect-gpio.rules", m);
            Assert.Contains("usermod -aG gpio", m);
        });
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "firmware-config", "udev", "60-edgeinspect-gpio.rules")));
    }

    [Fact]
    public void A_Refused_Bias_Explains_The_Kernel_Requirement()
    {
        Assert.Contains("Linux 5.5", GpiodErrors.RequestFailed("gpiochip0", 17, "inspector 'left' pass button", GpiodErrors.EINVAL));
    }

    [Fact]
    public void A_Missing_Line_Names_The_Range_And_The_Bcm_Numbering()
    {
        var message = GpiodErrors.LineMissing("gpiochip0", 40, 28, "needs-human lamp", GpiodErrors.EINVAL);

        Assert.Contains("has no line 40 for the needs-human lamp", message);
        Assert.Contains("lines 0 to 27", message);
        Assert.Contains("BCM GPIO number", message);
    }

    [Theory]
    [InlineData(LineBias.AsIs, GpiodBias.AsIs)]
    [InlineData(LineBias.Disabled, GpiodBias.Disabled)]
    [InlineData(LineBias.PullUp, GpiodBias.PullUp)]
    [InlineData(LineBias.PullDown, GpiodBias.PullDown)]
    public void Every_Configured_Bias_Maps_To_Its_Libgpiod_Flag(LineBias configured, GpiodBias requested)
    {
        Assert.Equal(requested, GpiodBackend.Bias(configured));
    }
}
