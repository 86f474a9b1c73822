using EdgeInspect.Core.Inspection;
using EdgeInspect.Native.Gpiod;
using EdgeInspect.Native.Gpiod.V2;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Gpiod;

/// <summary>
/// What the station sees of either libgpiod, on the real library of a machine without GPIO (no /dev/gpiochip*): every
/// way in fails with the same message, naming the chip, the line and the fix. One subclass per API.
/// </summary>
[Trait("Category", "Integration")]
public abstract class GpiodBackendContract : IDisposable
{
    private readonly IGpioBackend _gpio;

    protected GpiodBackendContract()
    {
        Library = LoadLibrary();
        _gpio = GpiodBackends.Create(Library, TimeProvider.System);
    }

    protected GpiodLibrary Library { get; }

    protected abstract GpiodApi Api { get; }

    /// <summary>What opening /dev/null as a chip fails with: 1.6 learns it from an ioctl, 2.x from sysfs.</summary>
    protected abstract int NotAChipErrno { get; }

    /// <summary>The API's command that lists a chip's lines.</summary>
    protected abstract string GpioinfoCommand { get; }

    /// <summary>The kernel a refused request points at.</summary>
    protected abstract string KernelRequirement { get; }

    protected abstract Type BackendType { get; }

    private GpiodErrors Errors => GpiodErrors.For(Api);

    [Fact]
    public void The_Library_Speaks_Its_Api_And_The_Backend_Is_The_One_For_It()
    {
        Assert.Equal(Api, Library.Api);
        Assert.IsType(BackendType, _gpio);
        Assert.Matches($@"^{Library.Version.Replace(".", @"\.")} \(libgpiod v{(int)Api} API, /.+/libgpiod\.so\.{(int)Api + 1}(\.\d+)*\)$", Library.ToString());
    }

    [Fact]
    public void Requesting_A_Button_On_A_Missing_Chip_Names_The_Chip_The_Line_And_The_Fix()
    {
        var button = new GpioInputOptions { Line = 17, ActiveLow = true, Bias = LineBias.PullUp };

        var e = Assert.Throws<GpiodException>(() => _gpio.OpenInput("gpiochip7", button, "inspector 'left' pass button"));

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
        var e = Assert.Throws<GpiodException>(() => _gpio.OpenOutput("gpiochip0", new GpioOutputOptions { Line = 5 }, "reject actuator"));

        Assert.Equal(GpiodErrors.ENOENT, e.Errno);
        Assert.StartsWith("Cannot open GPIO chip 'gpiochip0' (/dev/gpiochip0) for line 5 (reject actuator): No such file or directory", e.Message);
        Assert.Contains("Fix: no /dev/gpiochip0 on this machine", e.Message);
    }

    [Fact]
    public void A_Device_That_Is_Not_A_Gpio_Chip_Is_Refused()
    {
        // "null" opens /dev/null: a character device, but not a GPIO chip.
        var e = Assert.Throws<GpiodException>(() =>
            _gpio.OpenInput("null", new GpioInputOptions { Line = 4, ActiveLow = true }, "part-present sensor"));

        Assert.Equal(NotAChipErrno, e.Errno);
        Assert.StartsWith("Cannot open GPIO chip 'null' (/dev/null) for line 4 (part-present sensor): ", e.Message);
        Assert.Contains("Fix: /dev/null is not a GPIO character device", e.Message);
    }

    [Fact]
    public void A_Busy_Line_Points_At_The_Apis_Gpioinfo()
    {
        var message = Errors.RequestFailed("gpiochip0", 17, "inspector 'left' pass button", GpiodErrors.EBUSY);

        Assert.StartsWith("Cannot request line 17 on GPIO chip 'gpiochip0' for the inspector 'left' pass button: Device or resource busy (errno 16).", message);
        Assert.Contains($"`{GpioinfoCommand}` shows its consumer", message);
    }

    [Theory]
    [InlineData(GpiodErrors.EACCES)]
    [InlineData(GpiodErrors.EPERM)]
    public void Permission_Denied_Points_At_The_Udev_Rule_And_The_Gpio_Group(int errno)
    {
        var request = Errors.RequestFailed("gpiochip0", 5, "reject actuator", errno);
        var open = Errors.ChipOpenFailed("gpiochip0", errno, "line 5 (reject actuator)");

        Assert.All(new[] { request, open }, m =>
        {
            Assert.Contains("firmware-config/udev/60-edgeinspect-gpio.rules", m);
            Assert.Contains("usermod -aG gpio", m);
        });
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "firmware-config", "udev", "60-edgeinspect-gpio.rules")));
    }

    [Fact]
    public void A_Refused_Request_Explains_The_Kernel_Requirement()
    {
        Assert.Contains(KernelRequirement, Errors.RequestFailed("gpiochip0", 17, "inspector 'left' pass button", GpiodErrors.EINVAL));
    }

    [Fact]
    public void A_Missing_Line_Names_The_Range_The_Bcm_Numbering_And_The_Apis_Gpioinfo()
    {
        var message = Errors.LineMissing("gpiochip0", 40, 28, "needs-human lamp", GpiodErrors.EINVAL);

        Assert.Contains("has no line 40 for the needs-human lamp", message);
        Assert.Contains("lines 0 to 27", message);
        Assert.Contains("BCM GPIO number", message);
        Assert.Contains($"`{GpioinfoCommand}` lists the lines", message);
    }

    public void Dispose()
    {
        _gpio.Dispose();
        GC.SuppressFinalize(this);
    }

    protected abstract GpiodLibrary LoadLibrary();
}

/// <summary>libgpiod 1.6 as this process chose it (Debian 12's libgpiod.so.2; bookworm has no libgpiod3).</summary>
public sealed class GpiodV1BackendContract : GpiodBackendContract
{
    protected override GpiodApi Api => GpiodApi.V1;

    protected override int NotAChipErrno => GpiodErrors.ENOTTY;

    protected override string GpioinfoCommand => "gpioinfo gpiochip0";

    protected override string KernelRequirement => "bias needs Linux 5.5 or later";

    protected override Type BackendType => typeof(GpiodBackend);

    protected override GpiodLibrary LoadLibrary()
    {
        var library = GpiodLibrary.Selected();
        Assert.True(library.Api == GpiodApi.V1, $"the v1 contract needs this process to choose libgpiod 1.6, but it chose {library}");
        Assert.StartsWith("1.6.", library.Version);
        return library;
    }
}

/// <summary>libgpiod 2.2.1 (Debian 13's libgpiod3), which scripts/bootstrap.sh fetched, named by the override.</summary>
public sealed class GpiodV2BackendContract : GpiodBackendContract
{
    protected override GpiodApi Api => GpiodApi.V2;

    protected override int NotAChipErrno => GpiodErrors.ENODEV;

    protected override string GpioinfoCommand => "gpioinfo -c gpiochip0";

    protected override string KernelRequirement => "libgpiod 2 needs Linux 5.10 or later";

    protected override Type BackendType => typeof(GpiodV2Backend);

    protected override GpiodLibrary LoadLibrary() => Libgpiod3.Load();
}
