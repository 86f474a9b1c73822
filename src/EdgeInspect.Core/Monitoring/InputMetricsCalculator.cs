using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// Computes <see cref="InputMetrics"/> over a frame's ROI in one pass over the pixels, reading the frame in place:
/// luma rows go into a three-row ring on the stack, and the Laplacian of the middle row is taken as soon as the row
/// below it exists. Nothing is copied or allocated for ROIs up to <see cref="MaxStackRoiWidth"/> pixels wide.
/// </summary>
public static class InputMetricsCalculator
{
    /// <summary>Luma at or below this counts as clipped dark (sensor floor plus JPEG ringing).</summary>
    public const int DarkClipLuma = 5;

    /// <summary>Luma at or above this counts as clipped bright.</summary>
    public const int BrightClipLuma = 250;

    public const int MaxStackRoiWidth = 2048;

    public static InputMetrics Compute(Frame frame, RegionOfInterest roi) =>
        Compute(frame.Pixels, frame.Width, frame.Height, frame.Stride, roi);

    public static InputMetrics Compute(ReadOnlySpan<byte> bgr, int width, int height, int stride, RegionOfInterest roi)
    {
        if (!roi.FitsIn(width, height))
        {
            throw new ArgumentOutOfRangeException(nameof(roi), $"ROI {roi} does not fit a {width}x{height} frame (and must be at least 3x3)");
        }

        if (stride < width * 3 || (long)stride * (height - 1) + width * 3 > bgr.Length)
        {
            throw new ArgumentException($"{bgr.Length} bytes do not hold a {width}x{height} BGR image with stride {stride}", nameof(bgr));
        }

        var w = roi.Width;
        Span<int> ring = w <= MaxStackRoiWidth ? stackalloc int[3 * w] : new int[3 * w];
        long sumB = 0, sumG = 0, sumR = 0, sumY = 0, sumYY = 0, dark = 0, bright = 0;
        long sumL = 0, sumLL = 0;
        ref var origin = ref MemoryMarshal.GetReference(bgr);

        for (var y = 0; y < roi.Height; y++)
        {
            ref var pixel = ref Unsafe.Add(ref origin, (nint)(roi.Y + y) * stride + roi.X * 3);
            var luma = ring.Slice(y % 3 * w, w);
            long rowB = 0, rowG = 0, rowR = 0, rowY = 0, rowYY = 0;
            int rowDark = 0, rowBright = 0;
            for (var x = 0; x < w; x++)
            {
                int b = Unsafe.Add(ref pixel, 3 * x);
                int g = Unsafe.Add(ref pixel, 3 * x + 1);
                int r = Unsafe.Add(ref pixel, 3 * x + 2);

                // BT.601 luma in 8-bit fixed point (weights 29/150/77 sum to 256), as OpenCV's BGR2GRAY does.
                var l = (29 * b + 150 * g + 77 * r + 128) >> 8;
                luma[x] = l;
                rowB += b;
                rowG += g;
                rowR += r;
                rowY += l;
                rowYY += l * l;
                rowDark += l <= DarkClipLuma ? 1 : 0;
                rowBright += l >= BrightClipLuma ? 1 : 0;
            }

            sumB += rowB;
            sumG += rowG;
            sumR += rowR;
            sumY += rowY;
            sumYY += rowYY;
            dark += rowDark;
            bright += rowBright;

            if (y >= 2)
            {
                var (l, ll) = LaplacianRow(ring.Slice((y - 2) % 3 * w, w), ring.Slice((y - 1) % 3 * w, w), luma);
                sumL += l;
                sumLL += ll;
            }
        }

        double n = (double)w * roi.Height;
        var meanY = sumY / n;
        var varY = Math.Max(0, sumYY / n - meanY * meanY);
        double laplacianCount = (double)(w - 2) * (roi.Height - 2);
        var meanL = sumL / laplacianCount;
        var varL = Math.Max(0, sumLL / laplacianCount - meanL * meanL);

        return new InputMetrics(
            Brightness: meanY,
            Contrast: Math.Sqrt(varY),
            Sharpness: varL,
            DarkClippedFraction: dark / n,
            BrightClippedFraction: bright / n,
            MeanBlue: sumB / n,
            MeanGreen: sumG / n,
            MeanRed: sumR / n);
    }

    /// <summary>Sum and sum of squares of the 4-neighbour Laplacian over the interior of the middle row.</summary>
    private static (long Sum, long SumOfSquares) LaplacianRow(ReadOnlySpan<int> above, ReadOnlySpan<int> middle, ReadOnlySpan<int> below)
    {
        var w = middle.Length;
        long sum = 0, squares = 0;
        var x = 1;
        if (Vector.IsHardwareAccelerated && w - 2 >= Vector<int>.Count)
        {
            // |L| <= 1020, so L² fits an int lane; the squares are widened to long before summing, as a row of them may not.
            var vSum = Vector<int>.Zero;
            var vSquares = Vector<long>.Zero;
            for (; x + Vector<int>.Count <= w - 1; x += Vector<int>.Count)
            {
                var c = new Vector<int>(middle[x..]);
                var lap = new Vector<int>(above[x..]) + new Vector<int>(below[x..]) + new Vector<int>(middle[(x - 1)..])
                    + new Vector<int>(middle[(x + 1)..]) - (c << 2);
                vSum += lap;
                Vector.Widen(lap * lap, out var lo, out var hi);
                vSquares += lo + hi;
            }

            sum = Vector.Sum(vSum);
            squares = Vector.Sum(vSquares);
        }

        for (; x < w - 1; x++)
        {
            var lap = above[x] + below[x] + middle[x - 1] + middle[x + 1] - 4 * middle[x];
            sum += lap;
            squares += lap * lap;
        }

        return (sum, squares);
    }
}
