using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Native.OpenCv;

/// <summary>
/// Frames from a cv::VideoCapture: a V4L2 camera, an RTSP/HTTP stream (FFmpeg), a GStreamer pipeline (GigE Vision
/// through aravis) or a video file. Requested settings are applied at open and read back; the read-back values are
/// what <see cref="Settings"/> and every frame carry.
/// </summary>
/// <remarks>
/// MJPG from FFmpeg (files, streams) and V4L2 (cameras) comes as each frame's JPEG, decoded by <see cref="TurboJpeg"/>
/// straight into the frame and kept in <see cref="Frame.Compressed"/>; a packet that is not a JPEG after all goes to
/// OpenCV's decode. Every other format, and GStreamer pipelines, keep OpenCV's own decode.
/// </remarks>
public sealed class OpenCvFrameSource : IFrameSource
{
    // V4L2's exposure_auto menu, passed through by OpenCV's V4L2 backend: 1 = manual, 3 = aperture priority (auto).
    private const double V4l2ManualExposure = 1;
    private const double V4l2AutoExposure = 3;

    private readonly CvVideoCapture _capture;
    private readonly bool _finite;

    private OpenCvFrameSource(CvVideoCapture capture, CaptureSource source, CameraSettings settings)
    {
        _capture = capture;
        _finite = source.IsFinite;
        Settings = settings;
        Description = capture.PassesCompressed ? $"{source} via {capture.Backend}, MJPG decoded by TurboJPEG" : $"{source} via {capture.Backend}";
    }

    public CameraSettings Settings { get; private set; }

    public string Description { get; }

    /// <summary>Opens <paramref name="source"/> and applies the settings requested in <paramref name="options"/>.</summary>
    /// <exception cref="CaptureSourceException">The source cannot be opened; the message names it and says why.</exception>
    public static OpenCvFrameSource Open(CaptureSource source, CaptureOptions options)
    {
        if (source.Kind == CaptureSourceKind.Folder)
        {
            throw new ArgumentException("image folders are read by ImageFolderFrameSource", nameof(source));
        }

        if (source.Kind is CaptureSourceKind.File && !File.Exists(source.Location))
        {
            throw new CaptureSourceException($"video file '{source.Location}' does not exist");
        }

        if (source is { Kind: CaptureSourceKind.Device, DeviceIndex: null } && !File.Exists(source.Location))
        {
            throw new CaptureSourceException($"camera device '{source.Location}' does not exist (unplugged? `v4l2-ctl --list-devices` lists the cameras)");
        }

        CvVideoCapture capture;
        try
        {
            capture = source switch
            {
                { Kind: CaptureSourceKind.Device, DeviceIndex: { } index } => CvVideoCapture.Open(index, CvCaptureApi.V4L2),
                { Kind: CaptureSourceKind.Device } => CvVideoCapture.Open(source.Location, CvCaptureApi.V4L2),
                { Kind: CaptureSourceKind.Stream } => CvVideoCapture.Open(source.Location, CvCaptureApi.Ffmpeg,
                [
                    (CvCaptureProperty.OpenTimeoutMsec, Milliseconds(options.ReadTimeout)),
                    (CvCaptureProperty.ReadTimeoutMsec, Milliseconds(options.ReadTimeout)),
                ]),
                { Kind: CaptureSourceKind.GStreamer } => CvVideoCapture.Open(source.Location, CvCaptureApi.GStreamer),
                _ => CvVideoCapture.Open(source.Location, CvCaptureApi.Ffmpeg),
            };
        }
        catch (OpenCvException e)
        {
            throw new CaptureSourceException($"cannot open {source}: {e.Message}", e);
        }

        try
        {
            Apply(capture, source, options);
            var settings = ReadBack(capture, source);
            if (source.Kind != CaptureSourceKind.GStreamer)
            {
                // After the settings: a camera's pixel format (MJPG or not) is final only once its size is set.
                capture.PassCompressed();
            }

            return new OpenCvFrameSource(capture, source, settings);
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    public FrameReadResult Read(Frame frame)
    {
        switch (_capture.Read(frame))
        {
            case CvStatus.Ok:
                if (frame.Width != Settings.Width || frame.Height != Settings.Height)
                {
                    // What the frames really are beats what the header said.
                    Settings = Settings with { Width = frame.Width, Height = frame.Height };
                }

                return FrameReadResult.Frame;
            case CvStatus.EndOfStream:
                return _finite ? FrameReadResult.EndOfStream : FrameReadResult.Lost;
            case CvStatus.DecodeFailed:
                return FrameReadResult.Corrupt;
            case CvStatus.BufferTooSmall:
                return FrameReadResult.TooLarge;
            default:
                return FrameReadResult.Lost;
        }
    }

    public void Dispose() => _capture.Dispose();

    private static void Apply(CvVideoCapture capture, CaptureSource source, CaptureOptions options)
    {
        if (options.Mode == CaptureMode.Triggered && source.Kind == CaptureSourceKind.Device)
        {
            // A triggered frame must show the part in front of the camera now, not one queued in the driver's buffers.
            capture.Set(CvCaptureProperty.BufferSize, 1);
        }

        if (options.Width is { } width && options.Height is { } height)
        {
            capture.Set(CvCaptureProperty.FrameWidth, width);
            capture.Set(CvCaptureProperty.FrameHeight, height);
        }

        if (options.Fps is { } fps)
        {
            capture.Set(CvCaptureProperty.Fps, fps);
        }

        // Auto-exposure first: a manual exposure value is ignored while auto-exposure is on.
        if (options.AutoExposure is { } auto)
        {
            capture.Set(CvCaptureProperty.AutoExposure, source.Kind == CaptureSourceKind.Device ? auto ? V4l2AutoExposure : V4l2ManualExposure : auto ? 1 : 0);
        }

        if (options.Exposure is { } exposure)
        {
            capture.Set(CvCaptureProperty.Exposure, exposure);
        }

        if (options.Gain is { } gain)
        {
            capture.Set(CvCaptureProperty.Gain, gain);
        }
    }

    private static CameraSettings ReadBack(CvVideoCapture capture, CaptureSource source)
    {
        var fps = capture.Get(CvCaptureProperty.Fps);
        var settings = new CameraSettings(
            (int)capture.Get(CvCaptureProperty.FrameWidth),
            (int)capture.Get(CvCaptureProperty.FrameHeight),
            fps > 0 ? fps : double.NaN,
            double.NaN,
            double.NaN,
            null);

        // FFmpeg (files, streams) has no exposure or gain and answers 0; only cameras can report them.
        if (source.Kind is CaptureSourceKind.Device or CaptureSourceKind.GStreamer)
        {
            var auto = capture.Get(CvCaptureProperty.AutoExposure);
            settings = settings with
            {
                Exposure = capture.Get(CvCaptureProperty.Exposure),
                Gain = capture.Get(CvCaptureProperty.Gain),
                AutoExposure = source.Kind == CaptureSourceKind.Device
                    ? auto == V4l2AutoExposure ? true : auto == V4l2ManualExposure ? false : null
                    : null,
            };
        }

        return settings;
    }

    private static int Milliseconds(TimeSpan span) => (int)Math.Clamp(span.TotalMilliseconds, 1, int.MaxValue);
}
