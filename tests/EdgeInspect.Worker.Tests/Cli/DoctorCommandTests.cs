using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;

namespace EdgeInspect.Worker.Tests.Cli;

[Trait("Category", "Integration")]
public sealed class DoctorCommandTests
{
    [Fact]
    public async Task Doctor_Reports_Every_Native_Library()
    {
        var result = await CliProcess.RunAsync(["doctor"]);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("ONNX Runtime   1.31.1 (runtimes/linux-", result.StdOut);
        Assert.Contains("FFMPEG", result.StdOut);
        // MQTT is MQTTnet, managed code: no native MQTT library is loaded or reported.
        Assert.DoesNotContain("mosquitto", result.StdOut + result.StdErr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("libgpiod       1.", result.StdOut);
    }

    [Fact]
    public async Task Missing_Ort_Override_Exits_Non_Zero_With_A_Clear_Message_Not_A_Stack_Trace()
    {
        var result = await CliProcess.RunAsync(["doctor"], new Dictionary<string, string?> { ["EDGEINSPECT_ORT_LIBRARY"] = "/nonexistent/libonnxruntime.so" });

        Assert.Equal(ExitCodes.EnvironmentNotReady, result.ExitCode);
        Assert.Contains("Cannot load ONNX Runtime (libonnxruntime.so)", result.StdErr);
        Assert.Contains("/nonexistent/libonnxruntime.so (file not found)", result.StdErr);
        Assert.Contains("dotnet build", result.StdErr);
        Assert.DoesNotContain("TypeInitializationException", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public async Task Ort_Override_To_The_Real_Library_Elsewhere_Is_The_One_Loaded()
    {
        using var dir = new TempDirectory();
        var copy = dir.File("libonnxruntime.so");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "runtimes", EdgeInspect.Native.NativeLibraries.HostRuntimeIdentifier, "native", "libonnxruntime.so"), copy);

        var result = await CliProcess.RunAsync(["doctor"], new Dictionary<string, string?> { ["EDGEINSPECT_ORT_LIBRARY"] = copy });

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains($"ONNX Runtime   1.31.1 ({copy})", result.StdOut);
    }

    [Fact]
    public void Video_Backends_Are_Read_From_Build_Information()
    {
        const string build = """
              Video I/O:
                DC1394:                      YES (2.2.6)
                FFMPEG:                      YES
                  avcodec:                   YES (59.37.100)
                  avformat:                  YES (59.27.100)
                GStreamer:                   NO
                v4l/v4l2:                    YES (linux/videodev2.h)

              Parallel framework:            pthreads
            """;

        Assert.Equal(["DC1394", "FFMPEG", "v4l/v4l2"], DoctorCommand.VideoBackends(build));
    }
}
