using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Native.Tests.Fuzzing;

/// <summary>
/// The frame decoder under fuzz: JPEG bytes into a pooled BGR frame through the shim. This is the one place the fuzz
/// tests name it; when the shim's TurboJPEG decoder lands, point <see cref="Decode"/> (and <see cref="IsDocumentedError"/>)
/// at it and the same cases run against it.
/// </summary>
internal static class FrameDecodeTarget
{
    public const string Name = "CvImage.Decode (cv::imdecode, libjpeg-turbo through OpenCV 4.6)";

    /// <summary>Decodes <paramref name="jpeg"/> into <paramref name="frame"/>; throws the documented error for bad input.</summary>
    public static void Decode(ReadOnlySpan<byte> jpeg, Frame frame) => CvImage.Decode(jpeg, frame);

    /// <summary>The documented failure: a shim status with the shim's message.</summary>
    public static bool IsDocumentedError(Exception e) => e is OpenCvException { Message.Length: > 0 };
}
