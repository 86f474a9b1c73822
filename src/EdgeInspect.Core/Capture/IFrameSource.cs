using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Capture;

/// <summary>What one <see cref="IFrameSource.Read"/> produced.</summary>
public enum FrameReadResult
{
    /// <summary>The frame holds a new image.</summary>
    Frame,

    /// <summary>A finite source (file, folder) has no more frames.</summary>
    EndOfStream,

    /// <summary>This frame could not be decoded; the next one may be fine.</summary>
    Corrupt,

    /// <summary>The image is larger than the pool's frame buffers (a pool sized for another resolution).</summary>
    TooLarge,

    /// <summary>The source is gone (unplugged, stream closed, read timed out); it must be reopened.</summary>
    Lost,
}

/// <summary>
/// One opened source of frames: the seam between the capture loop and OpenCV, so the loop is testable without a camera.
/// Used from one thread (the capture thread). Dispose closes the source.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>The settings read back after opening (a camera may ignore a request). Kept current if the frame size changes.</summary>
    CameraSettings Settings { get; }

    /// <summary>Something a person recognises in logs, e.g. "file:line3.mkv via FFMPEG".</summary>
    string Description { get; }

    /// <summary>Writes the next image into <paramref name="frame"/> (BGR, geometry set). Must not throw for ordinary faults.</summary>
    FrameReadResult Read(Frame frame);
}

/// <summary>Opens sources for the capture loop, which calls it again on every reconnect.</summary>
public interface IFrameSourceFactory
{
    /// <summary>Opens the source the options name, applying the requested camera settings.</summary>
    /// <exception cref="CaptureSourceException">The source cannot be opened; the message says which and why.</exception>
    IFrameSource Open(CaptureOptions options);
}

/// <summary>A source could not be opened (missing device or file, empty folder, refused stream, bad pipeline).</summary>
public sealed class CaptureSourceException(string message, Exception? inner = null) : Exception(message, inner);
