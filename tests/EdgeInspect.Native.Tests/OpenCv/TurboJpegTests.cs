using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Native.Tests.OpenCv;

/// <summary>TurboJPEG decode in the shim, against OpenCV's own decode (cv::imread / cv::imdecode) as the reference.</summary>
[Trait("Category", "Integration")]
public sealed class TurboJpegTests
{
    private static readonly byte[] First = File.ReadAllBytes(TestImages.AllFrames[0]);

    [Fact]
    public void Every_Test_Frame_Decodes_Byte_Identical_To_OpenCv()
    {
        var frame = Frame.CreateUnpooled(640, 480);
        var differing = new List<string>();

        foreach (var path in TestImages.AllFrames)
        {
            var reference = CvImage.Read(path);
            Assert.Equal(CvStatus.Ok, TurboJpeg.Decode(File.ReadAllBytes(path), frame));
            if ((frame.Width, frame.Height) != (reference.Width, reference.Height) || !frame.Pixels.SequenceEqual(reference.Pixels))
            {
                differing.Add(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path))) + "/" + Path.GetFileName(path));
            }
        }

        Assert.Equal(410, TestImages.AllFrames.Count);
        Assert.Empty(differing);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(8)]
    public void A_Jpeg_With_An_Exif_Orientation_Comes_Out_Turned_As_OpenCv_Turns_It(ushort orientation)
    {
        var rotated = TestImages.WithExifOrientation(First, orientation);
        var reference = Frame.CreateUnpooled(640, 480);
        CvImage.Decode(rotated, reference);
        var frame = Frame.CreateUnpooled(640, 480);

        Assert.Equal(CvStatus.Ok, TurboJpeg.Decode(rotated, frame));

        Assert.Equal(orientation == 3 ? (640, 480) : (480, 640), (reference.Width, reference.Height));
        Assert.Equal((reference.Width, reference.Height), (frame.Width, frame.Height));
        Assert.True(frame.Pixels.SequenceEqual(reference.Pixels));
        Assert.False(frame.Pixels.SequenceEqual(CvImage.Read(TestImages.AllFrames[0]).Pixels), "the orientation was ignored");
    }

    public static TheoryData<string, byte[]> DamagedJpegs => new()
    {
        { "cut in half", TestImages.Truncated(First, First.Length / 2) },
        { "missing its last bytes", TestImages.Truncated(First, First.Length - 2) },
        { "cut inside the header", TestImages.Truncated(First, 200) },
        { "a marker bit flipped", TestImages.MarkerBitFlipped(First) },
        { "a frame header bit flipped", TestImages.FrameHeaderBitFlipped(First) },
        { "a Huffman table bit flipped", TestImages.HuffmanTableBitFlipped(First) },
        { "only its SOI", TestImages.Truncated(First, 3) },
        { "empty", [] },
        { "not a JPEG", "GIF89a, or anything else"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(DamagedJpegs))]
    public void A_Damaged_Jpeg_Is_A_Decode_Failure_With_A_Reason_Not_A_Crash(string damage, byte[] jpeg)
    {
        var frame = Frame.CreateUnpooled(640, 480);

        var status = TurboJpeg.Decode(jpeg, frame);

        Assert.True(status == CvStatus.DecodeFailed, $"{damage}: {status}");
        Assert.NotEqual("", CvCheck.LastError());
    }

    [Fact]
    public void A_Good_Jpeg_Right_After_A_Damaged_One_Decodes_Normally()
    {
        var frame = Frame.CreateUnpooled(640, 480);
        var reference = CvImage.Read(TestImages.AllFrames[0]);

        foreach (var damaged in DamagedJpegs.Select(row => (byte[])row[1]))
        {
            Assert.Equal(CvStatus.DecodeFailed, TurboJpeg.Decode(damaged, frame));
            Assert.Equal(CvStatus.Ok, TurboJpeg.Decode(First, frame));
            Assert.True(frame.Pixels.SequenceEqual(reference.Pixels));
        }
    }

    [Fact]
    public void A_Truncated_Jpeg_Is_Refused_Although_OpenCv_Would_Fill_In_The_Rest()
    {
        var truncated = TestImages.Truncated(First, First.Length / 2);
        var filledIn = Frame.CreateUnpooled(640, 480);

        CvImage.Decode(truncated, filledIn);

        Assert.Equal(CvStatus.DecodeFailed, TurboJpeg.Decode(truncated, Frame.CreateUnpooled(640, 480)));
        Assert.Contains("Premature end", CvCheck.LastError());
    }

    [Fact]
    public void A_Buffer_Too_Small_Is_Refused_Without_Writing_Past_It_And_Says_The_Size_Needed()
    {
        var memory = new byte[1000];
        memory.AsSpan().Fill(0xA5);

        Assert.Equal(CvStatus.BufferTooSmall, TurboJpeg.Decode(First, memory.AsSpan(0, 900), out var width, out var height));
        Assert.Equal(CvStatus.BufferTooSmall, TurboJpeg.Decode(First, [], out var sizeWidth, out var sizeHeight));

        Assert.Equal((640, 480), (width, height));
        Assert.Equal((640, 480), (sizeWidth, sizeHeight));
        Assert.All(memory, b => Assert.Equal(0xA5, b));
    }

    [Fact]
    public void Decoding_Allocates_No_Managed_Memory()
    {
        var frame = Frame.CreateUnpooled(640, 480);
        var jpegs = TestImages.AllFrames.Take(8).Select(File.ReadAllBytes).ToArray();
        foreach (var jpeg in jpegs)
        {
            Assert.Equal(CvStatus.Ok, TurboJpeg.Decode(jpeg, frame));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 32; i++)
        {
            TurboJpeg.Decode(jpegs[i % jpegs.Length], frame);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Threads_Decoding_At_Once_Each_Get_Their_Own_Frames_Right()
    {
        var paths = TestImages.AllFrames.Take(16).ToArray();
        var expected = paths.Select(p => CvImage.Read(p).Pixels.ToArray()).ToArray();

        var wrong = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            var frame = Frame.CreateUnpooled(640, 480);
            for (var round = 0; round < 4; round++)
            {
                for (var i = worker; i < paths.Length; i += 4)
                {
                    if (TurboJpeg.Decode(File.ReadAllBytes(paths[i]), frame) != CvStatus.Ok || !frame.Pixels.SequenceEqual(expected[i]))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
            }
        });

        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Names_The_Libjpeg_Turbo_It_Was_Built_Against_And_The_Library_It_Runs_With()
    {
        var library = TurboJpeg.Library();

        Assert.StartsWith("libjpeg-turbo 2.", library);
        Assert.Contains("libturbojpeg.so", library);
    }
}
