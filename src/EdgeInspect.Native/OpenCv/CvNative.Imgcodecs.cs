using System.Runtime.InteropServices;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Native.OpenCv;

internal static unsafe partial class CvNative
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial CvStatus eicv_image_read(string path, byte* buffer, long capacity, out int width, out int height);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_image_decode(byte* data, long length, byte* buffer, long capacity, out int width, out int height);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial CvStatus eicv_image_read_file(string path, byte* keep, long keepCapacity, out long encodedLength, out CompressedFormat format,
        byte* buffer, long capacity, out int width, out int height);
}

internal static unsafe partial class CvNative
{
    [LibraryImport(Library)]
    public static partial CvStatus eicv_image_encode_jpeg(byte* pixels, int width, int height, int stride, int quality, byte* buffer, long capacity, out long written);
}
