using EdgeInspect.Native;
using EdgeInspect.Native.Gpiod;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Native.Tests.Loading;

/// <summary>Each native library loads after bootstrap, with no environment variables, and answers.</summary>
[Trait("Category", "Integration")]
public sealed class NativeSmokeTests
{
    [Fact]
    public void OnnxRuntime_Reports_Its_Version()
    {
        Assert.StartsWith("1.31.", OnnxRuntimeInfo.Version());
        Assert.Null(OrtApiCheck.Problem(NativeLibraries.Load(NativeLibraryId.OnnxRuntime)));
        Assert.Equal(Path.Combine("runtimes", NativeLibraries.HostRuntimeIdentifier, "native", "libonnxruntime.so"), OnnxRuntimeInfo.Library());
    }

    [Fact]
    public void OpenCv_Build_Lists_Ffmpeg_And_V4l2()
    {
        Assert.StartsWith("4.", OpenCvInfo.Version());
        var build = OpenCvInfo.BuildInformation();
        Assert.Matches(@"FFMPEG:\s+YES", build);
        Assert.Matches(@"v4l/v4l2:\s+YES", build);
    }

    [Fact]
    public void Libgpiod_Is_Version_1()
    {
        Assert.StartsWith("1.", GpiodInfo.Version());
    }

    [Fact]
    public void Opening_A_Missing_Gpio_Chip_Names_The_Chip_And_The_Fix()
    {
        // This machine has no GPIO at all (no /dev/gpiochip*), so the open fails with ENOENT.
        var e = Assert.Throws<GpiodException>(() => GpiodChip.Open("gpiochip7"));
        Assert.Equal(GpiodErrors.ENOENT, e.Errno);
        Assert.Contains("gpiochip7", e.Message);
        Assert.Contains("/dev/gpiochip7", e.Message);
        Assert.Contains("Fix:", e.Message);
    }
}
