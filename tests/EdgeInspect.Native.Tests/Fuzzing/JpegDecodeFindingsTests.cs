using System.Diagnostics;
using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Fuzzing;

/// <summary>What fuzzing frame decoding found (docs/reliability.md), as the smallest input that showed it.</summary>
[Trait("Category", "Integration")]
public sealed class JpegDecodeFindingsTests
{
    private static byte[] SmallJpeg()
    {
        var source = CvImage.Read(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames", "00000.jpg"));
        var frame = Frame.CreateUnpooled(16, 16);
        for (var y = 0; y < 16; y++)
        {
            source.Buffer.AsSpan(y * source.Stride, 16 * 3).CopyTo(frame.Buffer.AsSpan(y * frame.Stride));
        }

        return CvJpeg.Encode(frame, 75);
    }

    /// <summary>Offset of the first SOF0 marker's 0xFF.</summary>
    private static int Sof(byte[] jpeg)
    {
        for (var i = 2; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no SOF0");
    }

    [Fact]
    public void A_Small_Jpeg_Claiming_Half_A_Gigapixel_Is_Refused_From_Its_Header_At_Once()
    {
        // Found: 32767×16384 in the frame header of a ~1 KB JPEG made OpenCV allocate 1.6 GB and decode for over 10 s.
        var jpeg = SmallJpeg();
        var sof = Sof(jpeg);
        jpeg[sof + 5] = 0x40; // height 0x4000 = 16384
        jpeg[sof + 6] = 0x00;
        jpeg[sof + 7] = 0x7F; // width 0x7FFF = 32767
        jpeg[sof + 8] = 0xFF;

        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<OpenCvException>(() => CvImage.Decode(jpeg, Frame.CreateUnpooled(640, 480)));

        Assert.Equal(CvStatus.BufferTooSmall, e.Status);
        Assert.Contains("declares 32767x16384 pixels", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Garbage_Between_Segments_Does_Not_Hide_The_Frame_Header()
    {
        // libjpeg skips extraneous bytes before a marker, so the header check must find the SOF the same way.
        var jpeg = SmallJpeg().ToList();
        var sof = Sof([.. jpeg]);
        jpeg.InsertRange(sof, new byte[] { 0x12, 0x34, 0x00 });

        Assert.Equal((16, 16), CvImage.DeclaredSize([.. jpeg]));
        CvImage.Decode([.. jpeg], Frame.CreateUnpooled(16, 16));
    }

    [Fact]
    public void A_Png_Claiming_More_Pixels_Than_The_Buffer_Is_Refused_From_Its_Header()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0];

        var e = Assert.Throws<OpenCvException>(() => CvImage.Decode(png, Frame.CreateUnpooled(640, 480)));

        Assert.Equal(CvStatus.BufferTooSmall, e.Status);
        Assert.Contains("declares 30000x30000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Jpeg_That_Fits_Still_Decodes()
    {
        var frame = Frame.CreateUnpooled(16, 16);
        CvImage.Decode(SmallJpeg(), frame);
        Assert.Equal((16, 16), (frame.Width, frame.Height));
    }
}
