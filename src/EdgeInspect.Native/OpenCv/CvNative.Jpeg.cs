using System.Runtime.InteropServices;

namespace EdgeInspect.Native.OpenCv;

// eicv_jpeg.cpp: TurboJPEG decode.
internal static unsafe partial class CvNative
{
    [LibraryImport(Library)]
    public static partial CvStatus eicv_jpeg_decode(byte* data, long length, byte* buffer, long capacity, out int width, out int height);

    [LibraryImport(Library)]
    public static partial byte* eicv_jpeg_library();
}
