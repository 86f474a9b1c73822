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
    /// <exception cref="OpenCvException">Not an image (<see cref="CvStatus.DecodeFailed"/>), or larger than the frame's
    /// buffer (<see cref="CvStatus.BufferTooSmall"/>): a JPEG or PNG that claims more pixels than the buffer holds is
    /// refused from its header, before anything is decoded.</exception>
    public static void Decode(ReadOnlySpan<byte> encoded, Frame frame)
    {
        // OpenCV decodes the whole image before it can say it does not fit: a 1 KB JPEG claiming 32767×16384 pixels
        // made it allocate 1.6 GB and decode for over 10 s (found by fuzzing, docs/reliability.md).
        if (DeclaredSize(encoded) is { } size && (long)size.Width * size.Height * 3 > frame.Buffer.LongLength)
        {
            throw new OpenCvException(CvStatus.BufferTooSmall,
                $"decoding image failed (BufferTooSmall): its header declares {size.Width}x{size.Height} pixels; the frame buffer holds {frame.Buffer.LongLength} bytes");
        }

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

    /// <summary>
    /// The size a JPEG (first SOFn marker, found the way libjpeg finds markers, garbage between segments skipped) or a
    /// PNG (IHDR) declares; null for other data or a header cut short, which the decoder then refuses on its own.
    /// </summary>
    internal static (int Width, int Height)? DeclaredSize(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 24 && data[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            var width = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
            var height = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
            return ((int)Math.Min(width, int.MaxValue), (int)Math.Min(height, int.MaxValue));
        }

        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
        {
            return null;
        }

        var i = 2;
        while (i < data.Length)
        {
            // Like libjpeg's next_marker: skip anything up to an 0xFF, then fill bytes; 0xFF 0x00 is no marker.
            while (i < data.Length && data[i] != 0xFF)
            {
                i++;
            }

            while (i < data.Length && data[i] == 0xFF)
            {
                i++;
            }

            if (i >= data.Length)
            {
                return null;
            }

            var marker = data[i++];
            if (marker == 0x00 || marker == 0x01 || marker is >= 0xD0 and <= 0xD8)
            {
                continue; // no length field
            }

            if (marker is 0xD9 or 0xDA || i + 2 > data.Length)
            {
                return null; // end of image or start of scan before any frame header
            }

            var length = (data[i] << 8) | data[i + 1];
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return i + 7 <= data.Length ? ((data[i + 5] << 8) | data[i + 6], (data[i + 3] << 8) | data[i + 4]) : null;
            }

            i += Math.Max(length, 2);
        }

        return null;
    }
}
