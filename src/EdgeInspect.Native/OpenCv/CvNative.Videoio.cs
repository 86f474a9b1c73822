using System.Runtime.InteropServices;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Native.OpenCv;

// eicv_videoio.cpp: capture, writer and the pure C++ read loop used as the benchmark's limit.
internal static unsafe partial class CvNative
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial CvStatus eicv_capture_open(string source, int api, int* parameters, int parameterCount, out CaptureSafeHandle capture);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_capture_open_index(int index, int api, int* parameters, int parameterCount, out CaptureSafeHandle capture);

    [LibraryImport(Library)]
    public static partial void eicv_capture_close(nint capture);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_capture_pass_compressed(CaptureSafeHandle capture, out int active);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_capture_read_frame(CaptureSafeHandle capture, byte* keep, long keepCapacity, out long encodedLength,
        out CompressedFormat format, byte* buffer, long capacity, out int width, out int height);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_capture_set(CaptureSafeHandle capture, int property, double value, out int accepted);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_capture_get(CaptureSafeHandle capture, int property, out double value);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_capture_backend(CaptureSafeHandle capture, byte* buffer, int capacity);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial CvStatus eicv_writer_open(string path, string fourcc, double fps, int width, int height, out WriterSafeHandle writer);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_writer_write(WriterSafeHandle writer, byte* pixels, int width, int height, int stride);

    [LibraryImport(Library)]
    public static partial void eicv_writer_close(nint writer);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial CvStatus eicv_bench_read_file(string path, int maxFrames, int compressed, out int frames, out double seconds);
}
