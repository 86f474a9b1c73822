using EdgeInspect.Core.Frames;

namespace EdgeInspect.Native.OpenCv;

/// <summary>JPEG encoding of frames, for saving samples.</summary>
public static unsafe class CvJpeg
{
    /// <summary>Encodes into <paramref name="destination"/>; false (with <paramref name="written"/> = the size needed) when it is too small.</summary>
    /// <exception cref="OpenCvException">Bad arguments or an encoder failure.</exception>
    public static bool TryEncode(Frame frame, int quality, Span<byte> destination, out int written)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        CvStatus status;
        long size;
        fixed (byte* pixels = frame.Buffer)
        fixed (byte* buffer = destination)
        {
            status = CvNative.eicv_image_encode_jpeg(pixels, frame.Width, frame.Height, frame.Stride, quality, buffer, destination.Length, out size);
        }

        written = checked((int)size);
        if (status == CvStatus.BufferTooSmall)
        {
            return false;
        }

        CvCheck.Ok(status, "encoding JPEG");
        return true;
    }

    /// <summary>Encodes into a new array of exactly the JPEG's size.</summary>
    public static byte[] Encode(Frame frame, int quality = 90)
    {
        // A JPEG of a camera frame is far below the raw size; one retry covers the rare exception.
        var buffer = new byte[Math.Max(4096, frame.Width * frame.Height * 3 / 2)];
        if (!TryEncode(frame, quality, buffer, out var written))
        {
            buffer = new byte[written];
            TryEncode(frame, quality, buffer, out written);
        }

        return buffer.AsSpan(0, written).ToArray();
    }

    /// <summary>Encodes and writes a .jpg file.</summary>
    public static void Save(Frame frame, string path, int quality = 90) => File.WriteAllBytes(path, Encode(frame, quality));
}
