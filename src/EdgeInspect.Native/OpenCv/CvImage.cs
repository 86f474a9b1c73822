using EdgeInspect.Core.Frames;

namespace EdgeInspect.Native.OpenCv;

/// <summary>Decodes images (JPEG, PNG, ...) into frames, through OpenCV's imgcodecs (the same decoder training used).</summary>
public static unsafe class CvImage
{
    /// <summary>Reads an image file into <paramref name="frame"/> as BGR (stride = width × 3).</summary>
    /// <exception cref="OpenCvException">The file is missing or not an image (<see cref="CvStatus.DecodeFailed"/>),
    /// or the frame's buffer is too small (<see cref="CvStatus.BufferTooSmall"/>).</exception>
    public static void Read(string path, Frame frame)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        int width, height;
        CvStatus status;
        fixed (byte* buffer = frame.Buffer)
        {
            status = CvNative.eicv_image_read(path, buffer, frame.Buffer.LongLength, out width, out height);
        }

        CvCheck.Ok(status, $"reading image '{path}'");
        frame.SetGeometry(width, height, width * 3);
    }

    /// <summary>Decodes an encoded image held in memory into <paramref name="frame"/> as BGR.</summary>
    public static void Decode(ReadOnlySpan<byte> encoded, Frame frame)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        int width, height;
        CvStatus status;
        fixed (byte* data = encoded)
        fixed (byte* buffer = frame.Buffer)
        {
            status = CvNative.eicv_image_decode(data, encoded.Length, buffer, frame.Buffer.LongLength, out width, out height);
        }

        CvCheck.Ok(status, "decoding image");
        frame.SetGeometry(width, height, width * 3);
    }

    /// <summary>Reads an image file into a new unpooled frame sized for it.</summary>
    public static Frame Read(string path)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        int width, height;
        var status = CvNative.eicv_image_read(path, null, 0, out width, out height);
        if (status != CvStatus.BufferTooSmall)
        {
            CvCheck.Ok(status, $"reading image '{path}'");
        }

        var frame = Frame.CreateUnpooled(width, height);
        Read(path, frame);
        return frame;
    }
}
