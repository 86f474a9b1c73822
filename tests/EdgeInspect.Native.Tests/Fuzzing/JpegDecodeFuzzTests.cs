using System.Buffers.Binary;
using CsCheck;
using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Fuzzing;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Fuzzing;

/// <summary>
/// Fuzzes frame decoding (<see cref="FrameDecodeTarget"/>) with JPEGs of the station's own frames, mutated with the
/// format in mind: marker segments dropped, doubled or given a wrong length; the frame header's size, precision,
/// component count and sampling factors changed; the file cut short; bytes flipped in the headers and in the scan.
/// Property: a frame that fits the buffer, or the documented error; never a crash (the test host would die), never
/// longer than the hang limit.
/// </summary>
[Trait("Category", "Fuzz")]
[Collection(FuzzRun.Collection)]
[Trait("Category", "Integration")]
public sealed class JpegDecodeFuzzTests
{
    private static readonly Lazy<byte[][]> Seeds = new(() =>
    {
        var full = CvImage.Read(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames", "00000.jpg"));
        // Small frames keep a case to tens of microseconds; one full frame keeps the real size in the mix.
        return [Encode(full, 16, 16), Encode(full, 64, 48), Encode(full, 160, 120), Encode(full, 33, 17), Encode(full, 640, 480, 40)];
    });

    private static byte[] Encode(Frame source, int width, int height, int quality = 75)
    {
        var frame = Frame.CreateUnpooled(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var from = (y * source.Height / height * source.Stride) + (x * source.Width / width * 3);
                source.Buffer.AsSpan(from, 3).CopyTo(frame.Buffer.AsSpan((y * frame.Stride) + (x * 3), 3));
            }
        }

        return CvJpeg.Encode(frame, quality);
    }

    /// <summary>One edit: which kind, where (0..1), and a value.</summary>
    public readonly record struct JpegEdit(int Kind, double At, int Value);

    private static readonly Gen<JpegEdit> Edit = Gen.Select(Gen.Int[0, 11], Gen.Double[0, 1], Gen.Int, (k, a, v) => new JpegEdit(k, a, v));

    /// <summary>Sizes a frame header may claim: zero, odd, just over the buffer, and bombs (a few bytes claiming gigabytes of pixels).</summary>
    private static readonly ushort[] Sizes = [0, 1, 7, 8, 481, 641, 4096, 16384, 30000, 32767, 65535];

    private static readonly ThreadLocal<Frame> Buffer = new(() => Frame.CreateUnpooled(640, 480));

    public static byte[] Mutate(byte[] seed, JpegEdit[] edits)
    {
        var bytes = seed.ToList();
        foreach (var edit in edits)
        {
            var segments = Segments(bytes);
            var at = (int)(edit.At * bytes.Count);
            var segment = segments.Count == 0 ? (Offset: 0, Marker: (byte)0, Length: 0) : segments[(int)(edit.At * segments.Count) % segments.Count];
            var sof = segments.FirstOrDefault(s => s.Marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC);
            switch (edit.Kind)
            {
                case 0 when at < bytes.Count:
                    bytes[at] ^= (byte)(1 << (edit.Value & 7)); // a bit flip anywhere
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at); // cut short
                    break;
                case 2 when sof.Length > 0:
                    // The frame header's height (offset 5) or width (offset 7).
                    Put16(bytes, sof.Offset + ((edit.Value & 1) == 0 ? 5 : 7), Sizes[(edit.Value >>> 1) % Sizes.Length]);
                    break;
                case 3 when sof.Length > 0 && sof.Offset + 4 < bytes.Count:
                    bytes[sof.Offset + 4] = (byte)new[] { 0, 1, 7, 8, 12, 16, 255 }[(edit.Value & 0x7fffffff) % 7]; // precision
                    break;
                case 4 when sof.Length > 0 && sof.Offset + 9 < bytes.Count:
                    bytes[sof.Offset + 9] = (byte)new[] { 0, 1, 2, 3, 4, 255 }[(edit.Value & 0x7fffffff) % 6]; // component count
                    break;
                case 5 when sof.Length > 0 && sof.Offset + 11 < bytes.Count:
                    bytes[sof.Offset + 11] = (byte)edit.Value; // first component's sampling factors
                    break;
                case 6 when segment.Length > 0:
                    bytes.RemoveRange(segment.Offset, Math.Min(segment.Length + 2, bytes.Count - segment.Offset)); // a segment dropped
                    break;
                case 7 when segment.Length > 0:
                    bytes.InsertRange(segment.Offset, bytes.GetRange(segment.Offset, Math.Min(segment.Length + 2, bytes.Count - segment.Offset))); // doubled
                    break;
                case 8 when segment.Length > 0:
                    Put16(bytes, segment.Offset + 2, (ushort)edit.Value); // a wrong length
                    break;
                case 9 when segment.Length > 0 && segment.Offset + 4 < bytes.Count:
                    bytes[segment.Offset + 4 + ((edit.Value & 0x7fffffff) % Math.Max(1, Math.Min(segment.Length - 2, bytes.Count - segment.Offset - 4)))] = (byte)(edit.Value >> 8); // a header byte
                    break;
                case 10:
                    bytes.InsertRange(at, BitConverter.GetBytes(edit.Value)); // garbage
                    break;
                case 11 when at < bytes.Count:
                    bytes[at] = 0xFF; // a stray marker
                    break;
            }
        }

        return [.. bytes];
    }

    private static void Put16(List<byte> bytes, int offset, ushort value)
    {
        if (offset + 1 < bytes.Count)
        {
            bytes[offset] = (byte)(value >> 8);
            bytes[offset + 1] = (byte)value;
        }
    }

    /// <summary>The marker segments before the scan data: offset of the 0xFF, marker, length field.</summary>
    private static List<(int Offset, byte Marker, int Length)> Segments(List<byte> bytes)
    {
        var segments = new List<(int, byte, int)>();
        var i = 2;
        while (i + 3 < bytes.Count && bytes[i] == 0xFF)
        {
            var marker = bytes[i + 1];
            var length = (bytes[i + 2] << 8) | bytes[i + 3];
            segments.Add((i, marker, length));
            if (marker == 0xDA || length < 2)
            {
                break;
            }

            i += 2 + length;
        }

        return segments;
    }

    [Fact(Timeout = 300_000)]
    public async Task A_Mutated_Jpeg_Decodes_Into_The_Buffer_Or_Fails_With_The_Documented_Error()
    {
        long decoded = 0, refused = 0;
        var cases = Gen.Frequency<byte[]>(
            (20, Gen.Select(Gen.Frequency<int>((12, Gen.Int[0, 3]), (1, Gen.Const(4))), Edit.Array[1, 5], (s, e) => Mutate(Seeds.Value[s], e))),
            (2, Gen.Int[0, 4].Select(s => Seeds.Value[s])),
            (1, Gen.Byte.Array[0, 64]),
            (1, Gen.Byte.Array[0, 64].Select(b => (byte[])[0xFF, 0xD8, 0xFF, .. b])));
        var total = await FuzzRun.CheckAsync(
            cases,
            jpeg =>
            {
                var frame = Buffer.Value!;
                try
                {
                    FrameDecodeTarget.Decode(jpeg, frame);
                }
                catch (Exception e) when (FrameDecodeTarget.IsDocumentedError(e))
                {
                    Interlocked.Increment(ref refused);
                    return;
                }

                Assert.InRange(frame.Width, 1, 640 * 480);
                Assert.InRange(frame.Height, 1, 640 * 480);
                Assert.True((long)frame.Width * frame.Height * 3 <= frame.Buffer.Length);
                Interlocked.Increment(ref decoded);
            },
            print: b => Convert.ToHexString(b.Length > 400 ? b[..400] : b) + (b.Length > 400 ? $"… ({b.Length} bytes)" : ""));

        FuzzRun.Reached("decoded", decoded, total, 0.05);
        FuzzRun.Reached("refused", refused, total, 0.05);
    }
}
