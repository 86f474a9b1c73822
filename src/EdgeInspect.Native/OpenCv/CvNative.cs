using System.Runtime.InteropServices;

namespace EdgeInspect.Native.OpenCv;

/// <summary>Raw exports of libedgeinspect_cv.so (src/native/opencv-shim). Names match the C side; no logic here.</summary>
internal static unsafe partial class CvNative
{
    private const string Library = "libedgeinspect_cv.so";

    [LibraryImport(Library)]
    public static partial byte* eicv_last_error();

    [LibraryImport(Library)]
    public static partial byte* eicv_opencv_version();

    [LibraryImport(Library)]
    public static partial CvStatus eicv_build_information(byte* buffer, int capacity, out int required);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_set_log_level(int level);
}

/// <summary>Mirror of <c>eicv_status</c> in eicv.h. Append only.</summary>
public enum CvStatus
{
    Ok = 0,
    Error = 1,
    InvalidArgument = 2,
    BufferTooSmall = 3,
    OpenFailed = 4,
    EndOfStream = 5,
    DecodeFailed = 6,
    NotOpen = 7,
    Unsupported = 8,
    Timeout = 9,
}
