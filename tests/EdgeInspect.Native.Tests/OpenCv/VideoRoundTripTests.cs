using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Native.Tests.OpenCv;

[Trait("Category", "Integration")]
public sealed class VideoRoundTripTests(TestVideos videos) : IClassFixture<TestVideos>
{
    [Fact]
    public void An_Ffv1_Video_Written_From_Frames_Reads_Back_Frame_By_Frame_Pixel_Exact()
    {
        using var capture = CvVideoCapture.Open(videos.Ffv1, CvCaptureApi.Ffmpeg);
        var frame = Frame.CreateUnpooled(640, 480);

        for (var i = 0; i < TestVideos.FrameCount; i++)
        {
            Assert.Equal(CvStatus.Ok, capture.Read(frame));
            Assert.Equal((640, 480), (frame.Width, frame.Height));
            Assert.True(frame.Pixels.SequenceEqual(videos.Frames[i].Pixels), $"frame {i} differs from what was written");
        }

        Assert.Equal(CvStatus.EndOfStream, capture.Read(frame));
    }

    [Fact]
    public void An_Mjpg_Avi_Reads_Back_Every_Frame_Close_To_What_Was_Written()
    {
        using var capture = CvVideoCapture.Open(videos.Mjpg, CvCaptureApi.Ffmpeg);
        var frame = Frame.CreateUnpooled(640, 480);
        var read = 0;

        while (capture.Read(frame) == CvStatus.Ok)
        {
            Assert.InRange(MeanAbsoluteDifference(frame, videos.Frames[read]), 0, 4.0);
            read++;
        }

        Assert.Equal(TestVideos.FrameCount, read);
    }

    [Fact]
    public void Reports_What_The_File_Header_Says_Through_Get()
    {
        using var capture = CvVideoCapture.Open(videos.Ffv1, CvCaptureApi.Ffmpeg);

        Assert.Equal("FFMPEG", capture.Backend);
        Assert.Equal(640, capture.Get(CvCaptureProperty.FrameWidth));
        Assert.Equal(480, capture.Get(CvCaptureProperty.FrameHeight));
        Assert.Equal(25, capture.Get(CvCaptureProperty.Fps), 3);
    }

    [Fact]
    public void A_Frame_Larger_Than_The_Buffer_Is_Refused_Without_Writing_Past_It()
    {
        using var capture = CvVideoCapture.Open(videos.Ffv1, CvCaptureApi.Ffmpeg);

        Assert.Equal(CvStatus.BufferTooSmall, capture.Read(Frame.CreateUnpooled(64, 48)));
        Assert.Contains("640x480", CvVideoCapture.LastError());
    }

    [Fact]
    public void The_Writer_Refuses_A_Frame_Of_Another_Size()
    {
        using var writer = CvVideoWriter.Open(Path.Combine(videos.Folder, "size.mkv"), "FFV1", 25, 640, 480);

        var e = Assert.Throws<OpenCvException>(() => writer.Write(Frame.CreateUnpooled(320, 240)));

        Assert.Equal(CvStatus.InvalidArgument, e.Status);
        Assert.Contains("320x240", e.Message);
    }

    [Fact]
    public void The_Writer_Refuses_A_Fourcc_That_Is_Not_Four_Characters()
    {
        var e = Assert.Throws<OpenCvException>(() => CvVideoWriter.Open(Path.Combine(videos.Folder, "bad.mkv"), "FFV", 25, 640, 480));

        Assert.Equal(CvStatus.InvalidArgument, e.Status);
    }

    [Fact]
    public void Opening_A_Missing_File_Is_An_Open_Failure_Naming_It()
    {
        var e = Assert.Throws<OpenCvException>(() => CvVideoCapture.Open("/nonexistent/line3.mkv", CvCaptureApi.Ffmpeg));

        Assert.Equal(CvStatus.OpenFailed, e.Status);
        Assert.Contains("/nonexistent/line3.mkv", e.Message);
    }

    [Fact]
    public void A_Jpeg_Encoded_Frame_Decodes_Back_Close_To_The_Original()
    {
        var original = videos.Frames[0];

        var jpeg = CvJpeg.Encode(original, quality: 95);
        var decoded = Frame.CreateUnpooled(640, 480);
        CvImage.Decode(jpeg, decoded);

        Assert.Equal((byte)0xFF, jpeg[0]);
        Assert.Equal((byte)0xD8, jpeg[1]);
        Assert.InRange(MeanAbsoluteDifference(decoded, original), 0, 3.0);
    }

    [Fact]
    public void Jpeg_Encoding_Into_A_Small_Buffer_Says_How_Much_It_Needs()
    {
        var small = new byte[16];

        Assert.False(CvJpeg.TryEncode(videos.Frames[0], 90, small, out var needed));
        Assert.True(needed > small.Length);
        var exact = new byte[needed];
        Assert.True(CvJpeg.TryEncode(videos.Frames[0], 90, exact, out var written));
        Assert.Equal(needed, written);
    }

    internal static double MeanAbsoluteDifference(Frame a, Frame b)
    {
        var x = a.Pixels;
        var y = b.Pixels;
        Assert.Equal(x.Length, y.Length);
        long sum = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sum += Math.Abs(x[i] - y[i]);
        }

        return (double)sum / x.Length;
    }
}
