using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Tests.Capture;

public sealed class FramePoolTests
{
    [Fact]
    public void The_Frame_Returned_Last_Is_Rented_Next_So_A_Slow_Line_Keeps_Touching_The_Same_Few()
    {
        using var pool = new FramePool(8, 640 * 480 * 3);
        Assert.True(pool.TryRent(out var first));
        Assert.True(pool.TryRent(out var second));
        second.Release();
        first.Release();

        // One part in flight at a time, as at a line's rate: always the same, warm frame; the other seven stay unused.
        for (var i = 0; i < 5; i++)
        {
            Assert.True(pool.TryRent(out var again));
            Assert.Same(first, again);
            again.Release();
        }

        Assert.Equal(8, pool.Available);
    }

    [Fact]
    public void A_Burst_Still_Has_The_Whole_Pool_And_No_Frame_Twice()
    {
        using var pool = new FramePool(6, 64 * 48 * 3);
        var rented = new List<Frame>();
        while (pool.TryRent(out var frame))
        {
            rented.Add(frame);
        }

        Assert.Equal(6, rented.Count);
        Assert.Equal(6, rented.Distinct().Count());
        Assert.Equal(0, pool.Available);
        rented.ForEach(f => f.Release());
        Assert.Equal(6, pool.Available);
    }
}
