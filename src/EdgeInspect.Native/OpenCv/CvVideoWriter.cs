using EdgeInspect.Core.Frames;

namespace EdgeInspect.Native.OpenCv;

/// <summary>
/// A cv::VideoWriter over FFmpeg, for tests and the demo to build their own videos from frames.
/// "FFV1" in .mkv is lossless (pixel-exact round trip); "MJPG" in .avi is lossy and widely readable.
/// Dispose finishes the file; a file is not readable before that.
/// </summary>
public sealed unsafe class CvVideoWriter : IDisposable
{
    private readonly WriterSafeHandle _handle;

    private CvVideoWriter(WriterSafeHandle handle, int width, int height)
    {
        _handle = handle;
        Width = width;
        Height = height;
    }

    public int Width { get; }

    public int Height { get; }

    /// <exception cref="OpenCvException">Bad arguments, or FFmpeg cannot write that codec into that container.</exception>
    public static CvVideoWriter Open(string path, string fourcc, double fps, int width, int height)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        var status = CvNative.eicv_writer_open(path, fourcc, fps, width, height, out var handle);
        if (status != CvStatus.Ok)
        {
            var failure = CvCheck.Failure(status, $"opening '{path}' for writing {fourcc}");
            handle.Dispose();
            throw failure;
        }

        return new CvVideoWriter(handle, width, height);
    }

    /// <summary>Appends <paramref name="frame"/>; its size must be the writer's.</summary>
    public void Write(Frame frame)
    {
        CvStatus status;
        fixed (byte* pixels = frame.Buffer)
        {
            status = CvNative.eicv_writer_write(_handle, pixels, frame.Width, frame.Height, frame.Stride);
        }

        CvCheck.Ok(status, "writing a video frame");
    }

    public void Dispose() => _handle.Dispose();
}
