using System.Buffers.Binary;
using System.Text;

namespace EdgeInspect.Native.Tests.OpenCv;

/// <summary>
/// Writes an MJPG .avi whose frames are exactly the bytes given, one '00dc' chunk each, so a test can put whole,
/// truncated, damaged or empty JPEGs into a video and know what every packet holds. OpenCV's writer re-encodes and
/// cannot do that. Layout: RIFF 'AVI ' { LIST 'hdrl' { avih, LIST 'strl' { strh, strf } }, LIST 'movi' { 00dc… }, idx1 },
/// as in Microsoft's AVI RIFF reference (AVIMAINHEADER, AVISTREAMHEADER, BITMAPINFOHEADER, AVIOLDINDEX).
/// </summary>
internal static class MjpgAvi
{
    private const int KeyFrame = 0x10;

    public static void Write(string path, int width, int height, int fps, IReadOnlyList<byte[]> frames)
    {
        using var movi = new MemoryStream();
        var index = new List<(int Offset, int Size)>();
        foreach (var frame in frames)
        {
            // idx1 offsets count from the 'movi' fourcc, which sits 4 bytes before the chunks.
            index.Add(((int)movi.Length + 4, frame.Length));
            Chunk(movi, "00dc", frame);
        }

        var largest = frames.Count == 0 ? 0 : frames.Max(f => f.Length);
        using var avih = new MemoryStream();
        Int32(avih, 1_000_000 / fps); // microseconds per frame
        Int32(avih, largest * fps);   // max bytes per second
        Int32(avih, 0);               // padding granularity
        Int32(avih, 0x10);            // AVIF_HASINDEX
        Int32(avih, frames.Count);
        Int32(avih, 0);               // initial frames
        Int32(avih, 1);               // streams
        Int32(avih, largest);         // suggested buffer size
        Int32(avih, width);
        Int32(avih, height);
        avih.Write(new byte[16]);     // reserved

        using var strh = new MemoryStream();
        Ascii(strh, "vids");
        Ascii(strh, "MJPG");
        Int32(strh, 0);               // flags
        Int32(strh, 0);               // priority and language
        Int32(strh, 0);               // initial frames
        Int32(strh, 1);               // scale
        Int32(strh, fps);             // rate: rate / scale = frames per second
        Int32(strh, 0);               // start
        Int32(strh, frames.Count);    // length
        Int32(strh, largest);         // suggested buffer size
        Int32(strh, -1);              // quality: default
        Int32(strh, 0);               // sample size: varies
        Int16(strh, 0);               // rcFrame: left, top, right, bottom
        Int16(strh, 0);
        Int16(strh, (short)width);
        Int16(strh, (short)height);

        using var strf = new MemoryStream();
        Int32(strf, 40);              // BITMAPINFOHEADER size
        Int32(strf, width);
        Int32(strf, height);
        Int16(strf, 1);               // planes
        Int16(strf, 24);              // bits per pixel
        Ascii(strf, "MJPG");          // compression
        Int32(strf, width * height * 3);
        strf.Write(new byte[16]);     // resolution and palette: unused

        using var strl = new MemoryStream();
        Chunk(strl, "strh", strh.ToArray());
        Chunk(strl, "strf", strf.ToArray());
        using var hdrl = new MemoryStream();
        Chunk(hdrl, "avih", avih.ToArray());
        List(hdrl, "strl", strl.ToArray());

        using var idx1 = new MemoryStream();
        foreach (var (offset, size) in index)
        {
            Ascii(idx1, "00dc");
            Int32(idx1, KeyFrame);
            Int32(idx1, offset);
            Int32(idx1, size);
        }

        using var body = new MemoryStream();
        Ascii(body, "AVI ");
        List(body, "hdrl", hdrl.ToArray());
        List(body, "movi", movi.ToArray());
        Chunk(body, "idx1", idx1.ToArray());

        using var file = File.Create(path);
        Chunk(file, "RIFF", body.ToArray());
    }

    private static void List(Stream to, string type, byte[] content)
    {
        Ascii(to, "LIST");
        Int32(to, content.Length + 4);
        Ascii(to, type);
        to.Write(content);
    }

    private static void Chunk(Stream to, string id, byte[] content)
    {
        Ascii(to, id);
        Int32(to, content.Length);
        to.Write(content);
        if (content.Length % 2 == 1)
        {
            to.WriteByte(0); // chunks are word-aligned; the pad byte is not counted in the size
        }
    }

    private static void Ascii(Stream to, string fourcc) => to.Write(Encoding.ASCII.GetBytes(fourcc));

    private static void Int32(Stream to, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        to.Write(bytes);
    }

    private static void Int16(Stream to, short value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteInt16LittleEndian(bytes, value);
        to.Write(bytes);
    }
}
