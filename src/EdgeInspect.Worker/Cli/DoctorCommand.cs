using System.CommandLine;
using EdgeInspect.Native;
using EdgeInspect.Native.Gpiod;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Worker.Cli;

/// <summary>`edgeinspect doctor`: loads every native library explicitly and prints what it found.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Check that the native stack loads: ONNX Runtime, OpenCV (shim), libgpiod. (MQTT is managed code: MQTTnet.)");
        command.SetAction(_ => Run(Console.Out, Console.Error));
        return command;
    }

    public static int Run(TextWriter output, TextWriter error)
    {
        if (!NativeCheck.Ready(error))
        {
            return ExitCodes.EnvironmentNotReady;
        }

        var build = OpenCvInfo.BuildInformation();
        output.WriteLine($"ONNX Runtime   {OnnxRuntimeInfo.Version()} ({OnnxRuntimeInfo.Library()})");
        output.WriteLine($"OpenCV         {OpenCvInfo.Version()} (video I/O: {string.Join(", ", VideoBackends(build))})");
        output.WriteLine($"TurboJPEG      {TurboJpeg.Library()}");
        output.WriteLine($"libgpiod       {GpiodInfo.Describe()}");
        output.WriteLine("Native stack ready.");
        return ExitCodes.Ok;
    }

    /// <summary>The Video I/O backends that OpenCV's build information lists as enabled (sub-entries such as FFmpeg's libraries are skipped).</summary>
    internal static IEnumerable<string> VideoBackends(string buildInformation)
    {
        var entryIndent = -1;
        var inVideo = false;
        foreach (var raw in buildInformation.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("Video I/O:", StringComparison.Ordinal))
            {
                inVideo = true;
                continue;
            }

            if (!inVideo)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.Length == 0 || colon < 0)
            {
                yield break;
            }

            var indent = raw.Length - raw.TrimStart().Length;
            entryIndent = entryIndent < 0 ? indent : entryIndent;
            if (indent > entryIndent)
            {
                continue;
            }

            if (!line[(colon + 1)..].Trim().StartsWith("NO", StringComparison.Ordinal))
            {
                yield return line[..colon].Trim();
            }
        }
    }
}
