using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Core.Tests.Monitoring;

public sealed class ShareBandDetectorTests
{
    [Fact]
    public void The_Gap_Is_How_Far_The_Reference_Share_Lies_Outside_The_Window_Interval()
    {
        var band = new ShareBandDetector([0.5, 0.3, 0.2], windowParts: 40, minParts: 10, z: 1.96);
        for (var i = 0; i < 40; i++)
        {
            band.Add(2);
        }

        // 40 of 40: the Wilson 95% lower bound is 40 / (40 + 1.96²) = 0.912; the reference 0.2 lies 0.712 below it
        // (further than 0.5 lies above the interval of the share 0 of category 0).
        var gap = band.Gap(out var category);

        Assert.Equal(2, category);
        Assert.Equal(40 / (40 + (1.96 * 1.96)) - 0.2, gap, 3);
        Assert.Equal(1.0, band.Share(2));
        Assert.Equal(0.2, band.ReferenceShare(2));
    }

    [Fact]
    public void A_Window_Like_The_Reference_Reads_Zero_And_Too_Few_Parts_Read_Zero()
    {
        var band = new ShareBandDetector([0.5, 0.3, 0.2], windowParts: 50, minParts: 20, z: 3.89);
        for (var i = 0; i < 19; i++)
        {
            band.Add(2);
        }

        Assert.False(band.IsReady);
        Assert.Equal(0, band.Gap());

        band.Reset();
        for (var i = 0; i < 50; i++)
        {
            band.Add(i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2);
        }

        Assert.Equal(0, band.Gap(out var none));
        Assert.Equal(-1, none);
    }

    [Fact]
    public void Old_Parts_Leave_The_Window_And_Adding_Allocates_Nothing()
    {
        var band = new ShareBandDetector([0.5, 0.5], windowParts: 30, minParts: 10, z: 3.89);
        for (var i = 0; i < 30; i++)
        {
            band.Add(1);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 30; i++)
        {
            band.Add(i % 2);
            _ = band.Gap();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(30, band.Count);
        Assert.Equal(0.5, band.Share(1));
        band.Add(7);
        Assert.Equal(30, band.Count);
    }
}
