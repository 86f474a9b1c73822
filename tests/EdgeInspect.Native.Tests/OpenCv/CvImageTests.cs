using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.OpenCv;

[Trait("Category", "Integration")]
public sealed class CvImageTests
{
    private static string FirstHoldoutFrame => Path.Combine(RepoPaths.PhoneSet("holdout"), "frames", "00000.jpg");

    [Fact]
    public void Reads_A_Station_Jpeg_As_640x480_Bgr()
    {
        var frame = CvImage.Read(FirstHoldoutFrame);

        Assert.Equal((640, 480, 640 * 3), (frame.Width, frame.Height, frame.Stride));
        Assert.Contains(frame.Pixels.ToArray(), b => b > 0);
    }

    [Fact]
    public void Decoding_From_Memory_Gives_The_Same_Pixels_As_Reading_The_File()
    {
        var fromFile = CvImage.Read(FirstHoldoutFrame);
        var fromMemory = Frame.CreateUnpooled(640, 480);

        CvImage.Decode(File.ReadAllBytes(FirstHoldoutFrame), fromMemory);

        Assert.True(fromFile.Pixels.SequenceEqual(fromMemory.Pixels));
    }

    [Fact]
    public void A_Missing_File_Is_A_Decode_Failure_Naming_The_Path()
    {
        var e = Assert.Throws<OpenCvException>(() => CvImage.Read("/nonexistent/frame.jpg"));

        Assert.Equal(CvStatus.DecodeFailed, e.Status);
        Assert.Contains("/nonexistent/frame.jpg", e.Message);
    }

    [Fact]
    public void Garbage_Bytes_Are_A_Decode_Failure()
    {
        var e = Assert.Throws<OpenCvException>(() => CvImage.Decode(new byte[] { 1, 2, 3, 4, 5 }, Frame.CreateUnpooled(4, 4)));

        Assert.Equal(CvStatus.DecodeFailed, e.Status);
    }

    [Fact]
    public void A_Frame_Too_Small_Is_Refused_Without_Writing_Past_It()
    {
        var e = Assert.Throws<OpenCvException>(() => CvImage.Read(FirstHoldoutFrame, Frame.CreateUnpooled(64, 48)));

        Assert.Equal(CvStatus.BufferTooSmall, e.Status);
        Assert.Contains("640x480", e.Message);
    }
}
