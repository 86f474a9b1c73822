using EdgeInspect.Core.Frames;
using EdgeInspect.Worker.Pipeline.Camera;

namespace EdgeInspect.Worker.Tests.Pipeline;

public sealed class FrameQueueTests
{
    private static Frame Rent(FramePool pool, FrameTrigger trigger, long seq)
    {
        Assert.True(pool.TryRent(out var frame));
        frame.Trigger = trigger;
        frame.Seq = seq;
        return frame;
    }

    [Fact]
    public void Free_Run_Frames_Push_Out_The_Oldest_When_Full_And_Count_It()
    {
        using var pool = new FramePool(8, 12);
        var queue = new FrameQueue(3);

        for (var seq = 1; seq <= 5; seq++)
        {
            Assert.True(queue.Write(Rent(pool, FrameTrigger.FreeRun, seq), CancellationToken.None));
        }

        Assert.Equal(2, queue.Dropped);
        var kept = new List<long>();
        while (queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var frame))
        {
            kept.Add(frame.Seq);
            frame.Release();
        }

        Assert.Equal([3, 4, 5], kept);
        Assert.Equal(8, pool.Available); // dropped frames went back to the pool
    }

    [Fact]
    public async Task Triggered_Frames_Are_Never_Dropped_The_Writer_Waits_For_Room()
    {
        using var pool = new FramePool(8, 12);
        var queue = new FrameQueue(2);
        queue.Write(Rent(pool, FrameTrigger.Triggered, 1), CancellationToken.None);
        queue.Write(Rent(pool, FrameTrigger.Triggered, 2), CancellationToken.None);

        var third = Task.Run(() => queue.Write(Rent(pool, FrameTrigger.Triggered, 3), CancellationToken.None));
        await WaitUntilAsync(() => queue.WaitingWriters == 1);
        Assert.False(third.IsCompleted);

        Assert.True(queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var first));
        first.Release();
        Assert.True(await third.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal(0, queue.Dropped);
        var seqs = new List<long>();
        while (queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var frame))
        {
            seqs.Add(frame.Seq);
            frame.Release();
        }

        Assert.Equal([2, 3], seqs);
    }

    [Fact]
    public void A_Free_Run_Frame_Never_Displaces_A_Queued_Part()
    {
        using var pool = new FramePool(8, 12);
        var queue = new FrameQueue(2);
        queue.Write(Rent(pool, FrameTrigger.Triggered, 1), CancellationToken.None);
        queue.Write(Rent(pool, FrameTrigger.Triggered, 2), CancellationToken.None);

        Assert.False(queue.Write(Rent(pool, FrameTrigger.FreeRun, 3), CancellationToken.None));

        Assert.Equal(1, queue.Dropped);
        Assert.True(queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var a));
        Assert.True(queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var b));
        Assert.Equal((1, 2), (a.Seq, b.Seq));
    }

    [Fact]
    public void A_Cancelled_Triggered_Write_Releases_The_Frame()
    {
        using var pool = new FramePool(4, 12);
        var queue = new FrameQueue(1);
        queue.Write(Rent(pool, FrameTrigger.Triggered, 1), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Assert.False(queue.Write(Rent(pool, FrameTrigger.Triggered, 2), cts.Token));

        Assert.Equal(3, pool.Available);
    }

    [Fact]
    public void A_Completed_Queue_Hands_Out_What_It_Holds_Then_Reports_Drained()
    {
        using var pool = new FramePool(4, 12);
        var queue = new FrameQueue(4);
        queue.Write(Rent(pool, FrameTrigger.Triggered, 1), CancellationToken.None);
        queue.Complete();

        Assert.False(queue.Write(Rent(pool, FrameTrigger.Triggered, 2), CancellationToken.None));
        Assert.True(queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var last));
        Assert.Equal(1, last.Seq);
        Assert.False(queue.TryTake(TimeSpan.FromSeconds(5), CancellationToken.None, out _));
        Assert.True(queue.IsDrained);
    }

    [Fact]
    public void Steady_State_Write_And_Take_Allocate_Nothing()
    {
        using var pool = new FramePool(4, 12);
        var queue = new FrameQueue(2);
        for (var i = 0; i < 100; i++)
        {
            queue.Write(Rent(pool, FrameTrigger.FreeRun, i), CancellationToken.None);
            queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var warm);
            warm.Release();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            queue.Write(Rent(pool, FrameTrigger.FreeRun, i), CancellationToken.None);
            queue.Write(Rent(pool, FrameTrigger.FreeRun, i), CancellationToken.None);
            queue.Write(Rent(pool, FrameTrigger.FreeRun, i), CancellationToken.None);
            queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var a);
            a.Release();
            queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var b);
            b.Release();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task A_Lossless_Queue_Makes_Free_Run_Writers_Wait_Instead_Of_Dropping()
    {
        using var pool = new FramePool(4, 12);
        var queue = new FrameQueue(1, lossless: true);
        queue.Write(Rent(pool, FrameTrigger.FreeRun, 1), CancellationToken.None);

        var second = Task.Run(() => queue.Write(Rent(pool, FrameTrigger.FreeRun, 2), CancellationToken.None));
        await WaitUntilAsync(() => queue.WaitingWriters == 1);
        Assert.False(second.IsCompleted);

        Assert.True(queue.TryTake(TimeSpan.Zero, CancellationToken.None, out var first));
        first.Release();
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, queue.Dropped);
    }

    /// <summary>Waits for the writer to be seen waiting for room: a free-run write that dropped instead would never get there.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the writer never waited for room");
            await Task.Delay(5);
        }
    }
}
