using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// Computes <see cref="InputMetrics"/> over a frame's ROI in one pass over the pixels, reading the frame in place:
/// luma rows go into a three-row ring on the stack (16 pixels at a time with 128-bit SIMD, on x86 and ARM), and the
/// Laplacian of the middle row is taken as soon as the row below it exists. Nothing is copied or allocated for ROIs up to <see cref="MaxStackRoiWidth"/> pixels wide.
/// </summary>
public static class InputMetricsCalculator
{
    /// <summary>Luma at or below this counts as clipped dark (sensor floor plus JPEG ringing).</summary>
    public const int DarkClipLuma = 5;

    /// <summary>Luma at or above this counts as clipped bright.</summary>
    public const int BrightClipLuma = 250;

    /// <summary>Wider ROIs would overflow the per-row int sums of squares (255² × width).</summary>
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
            LumaRow(ref pixel, luma, ref sumB, ref sumG, ref sumR);
            var (rowY, rowYY, rowDark, rowBright) = LumaMoments(luma);
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

    // Vector128.Shuffle picks bytes by index and yields 0 for an index of 16 or more, on x86 (pshufb) and ARM (tbl)
    // alike: three shuffles and two ORs gather one channel of 16 interleaved BGR pixels from three 16-byte loads.
    private static readonly Vector128<byte>[] ChannelShuffles = BuildChannelShuffles();

    private static Vector128<byte>[] BuildChannelShuffles()
    {
        var shuffles = new Vector128<byte>[9];
        var indices = new byte[16];
        for (var channel = 0; channel < 3; channel++)
        {
            for (var part = 0; part < 3; part++)
            {
                for (var i = 0; i < 16; i++)
                {
                    var source = (3 * i) + channel - (16 * part);
                    indices[i] = source is >= 0 and < 16 ? (byte)source : (byte)0xFF;
                }

                shuffles[(channel * 3) + part] = Vector128.Create(indices);
            }
        }

        return shuffles;
    }

    /// <summary>Luma of one ROI row into <paramref name="luma"/>, adding the row's channel sums.</summary>
    private static void LumaRow(ref byte pixel, Span<int> luma, ref long sumB, ref long sumG, ref long sumR)
    {
        var w = luma.Length;
        var x = 0;
        if (Vector128.IsHardwareAccelerated && w >= 16)
        {
            var shuffles = ChannelShuffles;
            Vector128<uint> accB = default, accG = default, accR = default;
            for (; x + 16 <= w; x += 16)
            {
                var v0 = Vector128.LoadUnsafe(ref pixel, (nuint)(3 * x));
                var v1 = Vector128.LoadUnsafe(ref pixel, (nuint)((3 * x) + 16));
                var v2 = Vector128.LoadUnsafe(ref pixel, (nuint)((3 * x) + 32));
                var b = Vector128.Shuffle(v0, shuffles[0]) | Vector128.Shuffle(v1, shuffles[1]) | Vector128.Shuffle(v2, shuffles[2]);
                var g = Vector128.Shuffle(v0, shuffles[3]) | Vector128.Shuffle(v1, shuffles[4]) | Vector128.Shuffle(v2, shuffles[5]);
                var r = Vector128.Shuffle(v0, shuffles[6]) | Vector128.Shuffle(v1, shuffles[7]) | Vector128.Shuffle(v2, shuffles[8]);
                var (bLo, bHi) = Vector128.Widen(b);
                var (gLo, gHi) = Vector128.Widen(g);
                var (rLo, rHi) = Vector128.Widen(r);

                // 29·255 + 150·255 + 77·255 + 128 = 65408: the weighted sum fits a ushort lane.
                var yLo = ((bLo * 29) + (gLo * 150) + (rLo * 77) + Vector128.Create((ushort)128)) >>> 8;
                var yHi = ((bHi * 29) + (gHi * 150) + (rHi * 77) + Vector128.Create((ushort)128)) >>> 8;
                var (y0, y1) = Vector128.Widen(yLo);
                var (y2, y3) = Vector128.Widen(yHi);
                ref var target = ref MemoryMarshal.GetReference(luma);
                y0.AsInt32().StoreUnsafe(ref target, (nuint)x);
                y1.AsInt32().StoreUnsafe(ref target, (nuint)(x + 4));
                y2.AsInt32().StoreUnsafe(ref target, (nuint)(x + 8));
                y3.AsInt32().StoreUnsafe(ref target, (nuint)(x + 12));

                accB += Pairwise(bLo + bHi);
                accG += Pairwise(gLo + gHi);
                accR += Pairwise(rLo + rHi);
            }

            sumB += Vector128.Sum(accB);
            sumG += Vector128.Sum(accG);
            sumR += Vector128.Sum(accR);
        }

        for (; x < w; x++)
        {
            int b = Unsafe.Add(ref pixel, 3 * x);
            int g = Unsafe.Add(ref pixel, (3 * x) + 1);
            int r = Unsafe.Add(ref pixel, (3 * x) + 2);

            // BT.601 luma in 8-bit fixed point (weights 29/150/77 sum to 256), as OpenCV's BGR2GRAY does.
            luma[x] = ((29 * b) + (150 * g) + (77 * r) + 128) >> 8;
            sumB += b;
            sumG += g;
            sumR += r;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Pairwise(Vector128<ushort> values)
    {
        var (lo, hi) = Vector128.Widen(values);
        return lo + hi;
    }

    /// <summary>Sum, sum of squares and clipped counts of one luma row (in L1 by now, so a second look is cheap).</summary>
    private static (long Sum, long SumOfSquares, int Dark, int Bright) LumaMoments(ReadOnlySpan<int> luma)
    {
        // Per row: 255² × width stays far below int range for any ROI up to MaxStackRoiWidth.
        var x = 0;
        int sum = 0, squares = 0, dark = 0, bright = 0;
        if (Vector.IsHardwareAccelerated && luma.Length >= Vector<int>.Count)
        {
            Vector<int> vSum = default, vSquares = default, vDark = default, vBright = default;
            var darkLimit = new Vector<int>(DarkClipLuma);
            var brightLimit = new Vector<int>(BrightClipLuma);
            for (; x + Vector<int>.Count <= luma.Length; x += Vector<int>.Count)
            {
                var v = new Vector<int>(luma[x..]);
                vSum += v;
                vSquares += v * v;
                vDark -= Vector.LessThanOrEqual(v, darkLimit);
                vBright -= Vector.GreaterThanOrEqual(v, brightLimit);
            }

            sum = Vector.Sum(vSum);
            squares = Vector.Sum(vSquares);
            dark = Vector.Sum(vDark);
            bright = Vector.Sum(vBright);
        }

        for (; x < luma.Length; x++)
        {
            var l = luma[x];
            sum += l;
            squares += l * l;
            dark += l <= DarkClipLuma ? 1 : 0;
            bright += l >= BrightClipLuma ? 1 : 0;
        }

        return (sum, squares, dark, bright);
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
