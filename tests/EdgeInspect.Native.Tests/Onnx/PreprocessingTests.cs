using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Onnx;

[Trait("Category", "Integration")]
public sealed class PreprocessingTests
{
    private static readonly InputContract Reference = new(
        "image", [1, 3, 224, 224], "NCHW", PixelOrder.Rgb, new PixelRect(200, 40, 240, 400), "bilinear", 1f / 255,
        [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    private static Frame HoldoutFrame(string name) => CvImage.Read(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames", name));

    [Fact]
    public void The_Tensor_Matches_An_Independent_Reference_Built_From_OpenCV_Resize_And_Plain_Loops()
    {
        var frame = HoldoutFrame("00001.jpg");
        var tensor = new float[3 * 224 * 224];
        new FramePreprocessor(Reference).Run(frame, tensor);

        // Reference: OpenCV's own resize of the ROI (the step training used), then the README's steps one by one.
        var resized = FramePreprocessor.ResizeRoi(frame, Reference.Roi, 224, 224);
        float[] mean = [0.485f, 0.456f, 0.406f];
        float[] std = [0.229f, 0.224f, 0.225f];
        var maxDiff = 0f;
        for (var y = 0; y < 224; y++)
        {
            for (var x = 0; x < 224; x++)
            {
                var bgr = (y * 224 + x) * 3;
                float[] rgb = [resized[bgr + 2], resized[bgr + 1], resized[bgr]];
                for (var c = 0; c < 3; c++)
                {
                    var expected = (rgb[c] / 255f - mean[c]) / std[c];
                    maxDiff = Math.Max(maxDiff, Math.Abs(expected - tensor[c * 224 * 224 + y * 224 + x]));
                }
            }
        }

        Assert.True(maxDiff <= 1e-5f, $"max abs difference {maxDiff}");
    }

    [Fact]
    public void The_Resize_Is_Bilinear_With_Pixel_Centres_Aligned_Like_Inter_Linear()
    {
        var frame = HoldoutFrame("00002.jpg");
        var roi = Reference.Roi;
        var resized = FramePreprocessor.ResizeRoi(frame, roi, 224, 224);

        // A float bilinear resize written from the definition (half-pixel centres, edge clamp). OpenCV rounds 8-bit
        // weights to fixed point, so values agree to within one grey level, not bit for bit.
        var pixels = frame.Pixels.ToArray();
        double sx = roi.Width / 224.0, sy = roi.Height / 224.0;
        var worst = 0.0;
        for (var y = 0; y < 224; y++)
        {
            var fy = Math.Clamp((y + 0.5) * sy - 0.5, 0, roi.Height - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, roi.Height - 1);
            var wy = fy - y0;
            for (var x = 0; x < 224; x++)
            {
                var fx = Math.Clamp((x + 0.5) * sx - 0.5, 0, roi.Width - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, roi.Width - 1);
                var wx = fx - x0;
                for (var c = 0; c < 3; c++)
                {
                    double P(int px, int py) => pixels[(roi.Y + py) * frame.Stride + (roi.X + px) * 3 + c];
                    var value = (1 - wy) * ((1 - wx) * P(x0, y0) + wx * P(x1, y0)) + wy * ((1 - wx) * P(x0, y1) + wx * P(x1, y1));
                    worst = Math.Max(worst, Math.Abs(value - resized[(y * 224 + x) * 3 + c]));
                }
            }
        }

        Assert.True(worst <= 1.0, $"largest difference {worst} grey levels");
    }

    [Fact]
    public void Bgr_Pixel_Order_Keeps_Channels_While_Rgb_Swaps_Them()
    {
        var frame = HoldoutFrame("00003.jpg");
        var rgb = new float[3 * 224 * 224];
        var bgr = new float[3 * 224 * 224];
        var unit = Reference with { Mean = [0f, 0f, 0f], Std = [1f, 1f, 1f] };

        new FramePreprocessor(unit).Run(frame, rgb);
        new FramePreprocessor(unit with { PixelOrder = PixelOrder.Bgr }).Run(frame, bgr);

        const int plane = 224 * 224;
        Assert.Equal(rgb.AsSpan(0, plane).ToArray(), bgr.AsSpan(2 * plane, plane).ToArray());
        Assert.Equal(rgb.AsSpan(plane, plane).ToArray(), bgr.AsSpan(plane, plane).ToArray());
        Assert.NotEqual(rgb.AsSpan(0, plane).ToArray(), bgr.AsSpan(0, plane).ToArray());
    }

    [Fact]
    public void A_Roi_Outside_The_Frame_Is_Refused_Naming_Both_Sizes()
    {
        var small = Frame.CreateUnpooled(320, 240);

        var e = Assert.Throws<OpenCvException>(() => new FramePreprocessor(Reference).Run(small, new float[3 * 224 * 224]));

        Assert.Equal(CvStatus.InvalidArgument, e.Status);
        Assert.Contains("320x240", e.Message);
    }

    [Fact]
    public void A_Tensor_Buffer_Too_Small_Is_Refused_Without_Writing_Past_It()
    {
        var e = Assert.Throws<OpenCvException>(() => new FramePreprocessor(Reference).Run(HoldoutFrame("00000.jpg"), new float[100]));

        Assert.Equal(CvStatus.BufferTooSmall, e.Status);
    }
}
