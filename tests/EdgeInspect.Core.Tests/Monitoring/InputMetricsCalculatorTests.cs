using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Core.Tests.Monitoring;

public sealed class InputMetricsCalculatorTests
{
    private static readonly RegionOfInterest Roi = RegionOfInterest.ReferenceStation;

    [Fact]
    public void A_Uniform_Grey_Roi_Has_Its_Grey_As_Brightness_And_No_Contrast_Or_Sharpness()
    {
        var frame = Frame.CreateUnpooled(640, 480);
        frame.Pixels.Fill(128);

        var m = InputMetricsCalculator.Compute(frame, Roi);

        Assert.Equal(128, m.Brightness, 6);
        Assert.Equal(0, m.Contrast, 6);
        Assert.Equal(0, m.Sharpness, 6);
        Assert.Equal((128.0, 128.0, 128.0), (m.MeanBlue, m.MeanGreen, m.MeanRed));
        Assert.Equal((0.0, 0.0), (m.DarkClippedFraction, m.BrightClippedFraction));
    }

    [Fact]
    public void Pixels_Outside_The_Roi_Do_Not_Count()
    {
        var frame = Frame.CreateUnpooled(640, 480);
        frame.Pixels.Fill(255);
        Paint(frame, Roi, (10, 20, 30));

        var m = InputMetricsCalculator.Compute(frame, Roi);

        Assert.Equal((10.0, 20.0, 30.0), (m.MeanBlue, m.MeanGreen, m.MeanRed));
        Assert.Equal(0, m.BrightClippedFraction);
        Assert.Equal(0, m.Sharpness, 6);
    }

    [Fact]
    public void Clipped_Fractions_Count_Pixels_At_Black_And_White()
    {
        var frame = Frame.CreateUnpooled(640, 480);
        frame.Pixels.Fill(100);
        Paint(frame, Roi with { Height = 100 }, (0, 0, 0));
        Paint(frame, Roi with { Y = Roi.Y + 100, Height = 50 }, (255, 255, 255));

        var m = InputMetricsCalculator.Compute(frame, Roi);

        Assert.Equal(100.0 / 400, m.DarkClippedFraction, 9);
        Assert.Equal(50.0 / 400, m.BrightClippedFraction, 9);
    }

    [Fact]
    public void The_One_Pass_Result_Matches_A_Plain_Two_Pass_Computation_On_Noise()
    {
        var frame = Frame.CreateUnpooled(640, 480);
        new Random(5).NextBytes(frame.Pixels);

        var fast = InputMetricsCalculator.Compute(frame, Roi);
        var slow = Naive(frame, Roi);

        Assert.Equal(slow.Brightness, fast.Brightness, 9);
        Assert.Equal(slow.Contrast, fast.Contrast, 6);
        Assert.Equal(slow.Sharpness, fast.Sharpness, 4);
        Assert.Equal(slow.MeanRed, fast.MeanRed, 9);
        Assert.Equal(slow.DarkClippedFraction, fast.DarkClippedFraction, 12);
    }

    [Fact]
    public void Blurring_Lowers_Sharpness()
    {
        var frame = Frame.CreateUnpooled(640, 480);
        new Random(6).NextBytes(frame.Pixels);
        var blurred = Frame.CreateUnpooled(640, 480);
        BoxBlur3(frame, blurred);

        Assert.True(InputMetricsCalculator.Compute(blurred, Roi).Sharpness < InputMetricsCalculator.Compute(frame, Roi).Sharpness / 4);
    }

    [Fact]
    public void A_Roi_Outside_The_Frame_Is_Refused()
    {
        var frame = Frame.CreateUnpooled(320, 240);

        Assert.Throws<ArgumentOutOfRangeException>(() => InputMetricsCalculator.Compute(frame, Roi));
    }

    [Fact]
    public void Computing_Metrics_Allocates_Nothing()
    {
        var frame = Frame.CreateUnpooled(640, 480);
        new Random(7).NextBytes(frame.Pixels);
        InputMetricsCalculator.Compute(frame, Roi);

        // A per-call allocation shows in every window; the runtime's own one-off work on this thread (a tier-up of the
        // row helpers lands at an arbitrary call: 7.9 KB once in a suite run) in one window at most. So: five windows
        // of ten calls, and the quietest must allocate nothing.
        var windows = new long[5];
        for (var w = 0; w < windows.Length; w++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10; i++)
            {
                InputMetricsCalculator.Compute(frame, Roi);
            }

            windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(windows.Min() == 0, $"bytes allocated per window of 10 calls: {string.Join(", ", windows)}");
    }

    private static void Paint(Frame frame, RegionOfInterest area, (byte B, byte G, byte R) colour)
    {
        for (var y = area.Y; y < area.Y + area.Height; y++)
        {
            for (var x = area.X; x < area.X + area.Width; x++)
            {
                var i = (y * frame.Stride) + (x * 3);
                frame.Buffer[i] = colour.B;
                frame.Buffer[i + 1] = colour.G;
                frame.Buffer[i + 2] = colour.R;
            }
        }
    }

    private static void BoxBlur3(Frame source, Frame target)
    {
        for (var y = 0; y < source.Height; y++)
        {
            for (var x = 0; x < source.Width * 3; x++)
            {
                int sum = 0, n = 0;
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -3; dx <= 3; dx += 3)
                    {
                        var yy = y + dy;
                        var xx = x + dx;
                        if (yy >= 0 && yy < source.Height && xx >= 0 && xx < source.Width * 3)
                        {
                            sum += source.Buffer[(yy * source.Stride) + xx];
                            n++;
                        }
                    }
                }

                target.Buffer[(y * target.Stride) + x] = (byte)(sum / n);
            }
        }
    }

    /// <summary>The definitions written out plainly: a luma image first, then each statistic over it.</summary>
    private static InputMetrics Naive(Frame frame, RegionOfInterest roi)
    {
        var luma = new int[roi.Height, roi.Width];
        double b = 0, g = 0, r = 0;
        var dark = 0;
        for (var y = 0; y < roi.Height; y++)
        {
            for (var x = 0; x < roi.Width; x++)
            {
                var i = ((roi.Y + y) * frame.Stride) + ((roi.X + x) * 3);
                int pb = frame.Buffer[i], pg = frame.Buffer[i + 1], pr = frame.Buffer[i + 2];
                luma[y, x] = ((29 * pb) + (150 * pg) + (77 * pr) + 128) >> 8;
                b += pb;
                g += pg;
                r += pr;
                dark += luma[y, x] <= InputMetricsCalculator.DarkClipLuma ? 1 : 0;
            }
        }

        double n = roi.Width * roi.Height;
        var mean = luma.Cast<int>().Average();
        var contrast = Math.Sqrt(luma.Cast<int>().Select(l => (l - mean) * (l - mean)).Sum() / n);
        var laplacians = new List<double>();
        for (var y = 1; y < roi.Height - 1; y++)
        {
            for (var x = 1; x < roi.Width - 1; x++)
            {
                laplacians.Add(luma[y - 1, x] + luma[y + 1, x] + luma[y, x - 1] + luma[y, x + 1] - (4 * luma[y, x]));
            }
        }

        var lapMean = laplacians.Average();
        var sharpness = laplacians.Select(l => (l - lapMean) * (l - lapMean)).Average();
        return new InputMetrics(mean, contrast, sharpness, dark / n, 0, b / n, g / n, r / n);
    }
}
