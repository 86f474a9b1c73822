using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.OpenCv;

/// <summary>Image bytes the JPEG tests need: the station's test frames, and damaged, rotated or PNG variants made from them.</summary>
internal static class TestImages
{
    /// <summary>Every frame in tests/data/phone-v1 (holdout, reference, dim, blur): 410 JPEGs of 640×480.</summary>
    public static IReadOnlyList<string> AllFrames { get; } = new[] { "holdout", "reference", "dim", "blur" }
        .SelectMany(set => Directory.GetFiles(Path.Combine(RepoPaths.PhoneSet(set), "frames"), "*.jpg").Order(StringComparer.Ordinal))
        .ToArray();

    /// <summary>The first <paramref name="length"/> bytes: a file cut short, as by a full disk or a dropped connection.</summary>
    public static byte[] Truncated(byte[] jpeg, int length) => jpeg[..length];

    // JPEG has no checksum: a bit flipped inside quantisation tables or in most of the entropy-coded data decodes
    // without complaint in any decoder, only to different pixels (a flip 100 bytes before EOI is noticed in 79 of the
    // 410 test frames). The flips below hit structure every decoder checks, so they are certain to be detected.

    /// <summary><paramref name="jpeg"/> with a bit flipped in the marker of its first segment after SOI (APP0 becomes an unsupported JPGn).</summary>
    public static byte[] MarkerBitFlipped(byte[] jpeg) => Flipped(jpeg, 3, 0x10);

    /// <summary><paramref name="jpeg"/> with a bit flipped in its frame header's sample precision (8 becomes 24 bits).</summary>
    public static byte[] FrameHeaderBitFlipped(byte[] jpeg) => Flipped(jpeg, Segment(jpeg, 0xC0) + 4, 0x10);

    /// <summary><paramref name="jpeg"/> with a bit flipped in its first Huffman table's count of 1-bit codes (more codes than can exist).</summary>
    public static byte[] HuffmanTableBitFlipped(byte[] jpeg) => Flipped(jpeg, Segment(jpeg, 0xC4) + 5, 0x80);

    /// <summary><paramref name="jpeg"/> with an EXIF APP1 segment right after SOI whose IFD0 holds only Orientation = <paramref name="orientation"/>.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        using var segment = new MemoryStream();
        segment.Write("Exif\0\0"u8);
        segment.Write("II"u8);                  // little-endian TIFF
        Write16(segment, 42);
        Write32(segment, 8);                    // IFD0 right after the header
        Write16(segment, 1);                    // one entry
        Write16(segment, 0x0112);               // Orientation
        Write16(segment, 3);                    // SHORT
        Write32(segment, 1);                    // one value
        Write16(segment, orientation);
        Write16(segment, 0);
        Write32(segment, 0);                    // no next IFD
        var body = segment.ToArray();
        var app1 = new byte[4 + body.Length];
        app1[0] = 0xFF;
        app1[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(app1.AsSpan(2), (ushort)(body.Length + 2));
        body.CopyTo(app1, 4);
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }

    private static byte[] Flipped(byte[] jpeg, int at, byte bit)
    {
        var copy = (byte[])jpeg.Clone();
        copy[at] ^= bit;
        return copy;
    }

    /// <summary>Where the first segment with <paramref name="marker"/> starts (its 0xFF).</summary>
    private static int Segment(byte[] jpeg, byte marker)
    {
        for (var at = 2; at + 4 <= jpeg.Length;)
        {
            if (jpeg[at] != 0xFF)
            {
                break;
            }

            if (jpeg[at + 1] == marker)
            {
                return at;
            }

            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(at + 2));
        }

        throw new InvalidOperationException($"the JPEG has no segment with marker 0x{marker:X2} before its scan");
    }

    /// <summary>A PNG (8-bit RGB, no filter) of a width × height picture whose BGR bytes are <paramref name="bgr"/>.</summary>
    public static byte[] Png(int width, int height, byte[] bgr)
    {
        using var raw = new MemoryStream();
        for (var y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter type: none
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 3;
                raw.Write([bgr[i + 2], bgr[i + 1], bgr[i]]);
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            raw.Position = 0;
            raw.CopyTo(zlib);
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        PngChunk(png, "IHDR", header);
        PngChunk(png, "IDAT", compressed.ToArray());
        PngChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void PngChunk(Stream to, string type, byte[] data)
    {
        var typed = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type).CopyTo(typed, 0);
        data.CopyTo(typed, 4);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        to.Write(number);
        to.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typed));
        to.Write(number);
    }

    // CRC-32 (ISO 3309, reflected 0xEDB88320), as PNG requires over each chunk's type and data.
    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void Write16(Stream to, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        to.Write(bytes);
    }

    private static void Write32(Stream to, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        to.Write(bytes);
    }
}
