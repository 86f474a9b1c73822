using System.Runtime.InteropServices;

namespace EdgeInspect.Native.OpenCv;

/// <summary>What the loaded OpenCV is: its version and its build information (backends, codecs, SIMD).</summary>
public static unsafe class OpenCvInfo
{
    public static string Version()
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        return Marshal.PtrToStringUTF8((nint)CvNative.eicv_opencv_version()) ?? "";
    }

    /// <summary>cv::getBuildInformation(): lists the Video I/O backends (FFMPEG, V4L/V4L2, GStreamer, ...).</summary>
    public static string BuildInformation()
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        CvNative.eicv_build_information(null, 0, out var required);
        var buffer = new byte[required];
        fixed (byte* p = buffer)
        {
            CvCheck.Ok(CvNative.eicv_build_information(p, buffer.Length, out _), "eicv_build_information");
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, required - 1);
    }

    /// <summary>Sets OpenCV's own log level (0 silent .. 6 verbose); 2 (errors) keeps camera probing quiet.</summary>
    public static void SetLogLevel(int level)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        CvCheck.Ok(CvNative.eicv_set_log_level(level), "eicv_set_log_level");
    }
}
