using System.Runtime.InteropServices;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Native.OpenCv;

/// <summary>OpenCV Video I/O backends (cv::CAP_*) that EdgeInspect uses.</summary>
public enum CvCaptureApi
{
    Any = 0,
    V4L2 = 200,
    GStreamer = 1800,
    Ffmpeg = 1900,
}

/// <summary>cv::VideoCaptureProperties that EdgeInspect uses.</summary>
public enum CvCaptureProperty
{
    FrameWidth = 3,
    FrameHeight = 4,
    Fps = 5,
    FrameCount = 7,
    Gain = 14,
    Exposure = 15,
    AutoExposure = 21,
    BufferSize = 38,

    /// <summary>Open-only, FFmpeg only.</summary>
    OpenTimeoutMsec = 53,

    /// <summary>Open-only, FFmpeg only.</summary>
    ReadTimeoutMsec = 54,
}

/// <summary>
/// A cv::VideoCapture: a camera, a stream, a pipeline or a video file. Reads write straight into a frame's pinned buffer.
/// Not thread-safe: one capture belongs to one thread. Dispose closes the source.
/// </summary>
public sealed unsafe class CvVideoCapture : IDisposable
{
    private readonly CaptureSafeHandle _handle;

    private CvVideoCapture(CaptureSafeHandle handle)
    {
        _handle = handle;
        Backend = ReadBackend(handle);
    }

    /// <summary>The backend OpenCV picked, e.g. "FFMPEG" or "V4L2".</summary>
    public string Backend { get; }

    /// <summary>Opens a file, URL, /dev/videoN path or GStreamer pipeline.</summary>
    /// <param name="source">A file path, URL, /dev/videoN path or pipeline.</param>
    /// <param name="api">The backend to open it with.</param>
    /// <param name="openParameters">Open-time properties (for FFmpeg, timeouts); a backend refuses ones it does not know.</param>
    /// <exception cref="OpenCvException">The source cannot be opened (<see cref="CvStatus.OpenFailed"/>).</exception>
    public static CvVideoCapture Open(string source, CvCaptureApi api, IReadOnlyList<(CvCaptureProperty Property, int Value)>? openParameters = null)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        var pairs = Flatten(openParameters);
        CaptureSafeHandle handle;
        CvStatus status;
        fixed (int* p = pairs)
        {
            status = CvNative.eicv_capture_open(source, (int)api, p, pairs.Length, out handle);
        }

        return Opened(status, handle, $"opening video source '{source}'");
    }

    /// <summary>Opens a camera by index (V4L2: /dev/video{index}).</summary>
    /// <exception cref="OpenCvException">The camera cannot be opened (<see cref="CvStatus.OpenFailed"/>).</exception>
    public static CvVideoCapture Open(int index, CvCaptureApi api)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        var status = CvNative.eicv_capture_open_index(index, (int)api, null, 0, out var handle);
        return Opened(status, handle, $"opening camera {index}");
    }

    /// <summary>True once <see cref="PassCompressed"/> has switched the source to compressed frames.</summary>
    public bool PassesCompressed { get; private set; }

    /// <summary>
    /// For an MJPG file, stream (FFmpeg) or camera (V4L2): asks the backend for each frame's JPEG rather than its
    /// pixels, so that <see cref="Read"/> decodes it through TurboJPEG (the bytes cv::imdecode gives, not FFmpeg's
    /// decoder with its own colour conversion) and keeps it in <see cref="Frame.Compressed"/>. Call before the first read.
    /// </summary>
    /// <returns>True when frames now come compressed; false when the source keeps OpenCV's decode (not MJPG, or
    /// another backend).</returns>
    public bool PassCompressed()
    {
        CvCheck.Ok(CvNative.eicv_capture_pass_compressed(_handle, out var active), "switching to compressed frames");
        PassesCompressed = active != 0;
        return PassesCompressed;
    }

    /// <summary>Reads the next frame into <paramref name="frame"/> and sets its geometry on success, and its
    /// <see cref="Frame.Compressed"/> when the source passes compressed frames (cleared otherwise).</summary>
    /// <returns><see cref="CvStatus.Ok"/>; <see cref="CvStatus.EndOfStream"/> when there is no next frame;
    /// <see cref="CvStatus.DecodeFailed"/> for a corrupt frame; <see cref="CvStatus.BufferTooSmall"/> when the frame
    /// does not fit. Ordinary faults are statuses, not exceptions, so the capture hot path never throws.</returns>
    public CvStatus Read(Frame frame)
    {
        int width, height;
        long encoded;
        CompressedFormat format;
        CvStatus status;
        fixed (byte* keep = frame.CompressedBuffer)
        fixed (byte* buffer = frame.Buffer)
        {
            status = CvNative.eicv_capture_read_frame(_handle, keep, frame.CompressedBuffer.LongLength, out encoded, out format, buffer, frame.Buffer.LongLength,
                out width, out height);
        }

        if (status == CvStatus.Ok)
        {
            frame.SetGeometry(width, height, width * 3);
            CompressedFrames.Record(frame, encoded, format);
        }

        return status;
    }

    /// <summary>The shim's message for the last failed call on this thread.</summary>
    public static string LastError() => CvCheck.LastError();

    /// <summary>cv::VideoCapture::set; true if the backend accepted it. Read the value back: cameras clamp.</summary>
    public bool Set(CvCaptureProperty property, double value)
    {
        CvCheck.Ok(CvNative.eicv_capture_set(_handle, (int)property, value, out var accepted), $"setting {property}");
        return accepted != 0;
    }

    /// <summary>cv::VideoCapture::get; backends answer 0 for properties they do not know.</summary>
    public double Get(CvCaptureProperty property)
    {
        CvCheck.Ok(CvNative.eicv_capture_get(_handle, (int)property, out var value), $"reading {property}");
        return value;
    }

    public void Dispose() => _handle.Dispose();

    private static CvVideoCapture Opened(CvStatus status, CaptureSafeHandle handle, string operation)
    {
        if (status != CvStatus.Ok)
        {
            var failure = CvCheck.Failure(status, operation);
            handle.Dispose();
            throw failure;
        }

        return new CvVideoCapture(handle);
    }

    private static int[] Flatten(IReadOnlyList<(CvCaptureProperty Property, int Value)>? parameters)
    {
        if (parameters is null || parameters.Count == 0)
        {
            return [];
        }

        var pairs = new int[parameters.Count * 2];
        for (var i = 0; i < parameters.Count; i++)
        {
            pairs[2 * i] = (int)parameters[i].Property;
            pairs[2 * i + 1] = parameters[i].Value;
        }

        return pairs;
    }

    private static string ReadBackend(CaptureSafeHandle handle)
    {
        var buffer = stackalloc byte[64];
        return CvNative.eicv_capture_backend(handle, buffer, 64) == CvStatus.Ok ? Marshal.PtrToStringUTF8((nint)buffer) ?? "" : "unknown";
    }
}
