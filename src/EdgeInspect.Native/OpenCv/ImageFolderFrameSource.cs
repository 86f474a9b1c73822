using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Native.OpenCv;

/// <summary>
/// Replays a folder of images in ordinal name order (00000.jpg, 00001.jpg, …). JPEGs decode through
/// <see cref="TurboJpeg"/> (the bytes cv::imread gives), other formats through OpenCV's imgcodecs. Each file's bytes
/// are read once, natively, into the frame's compressed buffer and stay there as <see cref="Frame.Compressed"/>.
/// The folder is listed once at open; looping is the capture loop's <see cref="EndOfStreamAction.Loop"/>, which reopens it.
/// </summary>
public sealed unsafe class ImageFolderFrameSource : IFrameSource
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm"];

    private readonly string[] _files;
    private int _next;

    private ImageFolderFrameSource(string folder, string[] files, CameraSettings settings)
    {
        _files = files;
        Settings = settings;
        Description = $"folder:{folder} ({files.Length} images)";
    }

    public CameraSettings Settings { get; private set; }

    public string Description { get; }

    /// <summary>The images, in the order they are read.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <exception cref="CaptureSourceException">The folder is missing or holds no images.</exception>
    public static ImageFolderFrameSource Open(string folder)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        if (!Directory.Exists(folder))
        {
            throw new CaptureSourceException($"image folder '{folder}' does not exist");
        }

        var files = Directory.EnumerateFiles(folder)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new CaptureSourceException($"image folder '{folder}' holds no images ({string.Join(", ", ImageExtensions)})");
        }

        // The shim reports the size of an image it was given no buffer for, without us allocating one.
        CvNative.eicv_image_read_file(files[0], null, 0, out _, out _, null, 0, out var width, out var height);
        return new ImageFolderFrameSource(folder, files, new CameraSettings(width, height, double.NaN, double.NaN, double.NaN, null));
    }

    public FrameReadResult Read(Frame frame)
    {
        if (_next >= _files.Length)
        {
            return FrameReadResult.EndOfStream;
        }

        var path = _files[_next++];
        int width, height;
        long encoded;
        CompressedFormat format;
        CvStatus status;
        fixed (byte* keep = frame.CompressedBuffer)
        fixed (byte* buffer = frame.Buffer)
        {
            status = CvNative.eicv_image_read_file(path, keep, frame.CompressedBuffer.LongLength, out encoded, out format, buffer, frame.Buffer.LongLength,
                out width, out height);
        }

        switch (status)
        {
            case CvStatus.Ok:
                frame.SetGeometry(width, height, width * 3);
                CompressedFrames.Record(frame, encoded, format);
                if (width != Settings.Width || height != Settings.Height)
                {
                    Settings = Settings with { Width = width, Height = height };
                }

                return FrameReadResult.Frame;
            case CvStatus.BufferTooSmall:
                return FrameReadResult.TooLarge;
            case CvStatus.DecodeFailed or CvStatus.OpenFailed:
                // A folder taken away mid-replay is a lost source, not a run of corrupt images.
                return File.Exists(path) ? FrameReadResult.Corrupt : FrameReadResult.Lost;
            default:
                return FrameReadResult.Lost;
        }
    }

    public void Dispose()
    {
        // Nothing is held open between reads.
    }
}
