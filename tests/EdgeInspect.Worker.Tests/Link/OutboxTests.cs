using EdgeInspect.Core.Messages;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Link;

namespace EdgeInspect.Worker.Tests.Link;

public sealed class OutboxTests
{
    [Fact]
    public async Task Seq_Keeps_Increasing_Across_Restarts_And_Each_Start_Is_A_New_Boot_Epoch()
    {
        using var dir = new TempDirectory("ei-outbox");
        var options = LinkTestKit.Options(dir.File("o.db"), 1883);
        long firstEpoch, lastSeq;
        await using (var outbox = Outbox.Open(options))
        {
            firstEpoch = outbox.BootEpoch;
            Assert.Equal(1, await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(1)));
            lastSeq = await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(2));
            outbox.Acknowledge(1);
            outbox.Acknowledge(2);
        }

        await using (var outbox = Outbox.Open(options))
        {
            Assert.Equal(firstEpoch + 1, outbox.BootEpoch);
            Assert.Equal(0, outbox.Depth);
            Assert.Equal(lastSeq + 1, await outbox.EnqueueAsync(MessageKind.Event, "{\"type\":\"x\",\"message\":\"y\"}"u8.ToArray()));
        }
    }

    [Fact]
    public async Task Records_A_Previous_Run_Left_Behind_Are_Resumed_In_Seq_Order()
    {
        using var dir = new TempDirectory("ei-outbox");
        var options = LinkTestKit.Options(dir.File("o.db"), 1883);
        await using (var outbox = Outbox.Open(options))
        {
            for (var i = 0; i < 5; i++)
            {
                await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(i));
            }
        }

        await using var reopened = Outbox.Open(options);
        var records = reopened.ReadAfter(0, 100);
        Assert.Equal([1L, 2, 3, 4, 5], records.Select(r => r.Seq));
        Assert.All(records, r => Assert.Equal("ei/plant/assembly/line-1/st-01/result", r.Topic));
        Assert.True(Envelope.TryReadHeader(records[0].Payload, out var header));
        Assert.Equal((1L, 1L, "st-01"), (header.Epoch, header.Seq, header.Device));
    }

    [Fact]
    public async Task When_Full_Metrics_Drop_Their_Oldest_Entries_And_Count_Them()
    {
        using var dir = new TempDirectory("ei-outbox");
        var options = LinkTestKit.Options(dir.File("o.db"), 1883);
        options.OutboxMaxRecords = 100;
        options.OutboxNearCapFraction = 0.99;
        await using var outbox = Outbox.Open(options);
        for (var i = 0; i < 110; i++)
        {
            await outbox.EnqueueAsync(MessageKind.Metrics, "{\"values\":{\"fps\":30}}"u8.ToArray());
        }

        await Task.Delay(200); // let the near-cap alert (written alongside) settle
        var rows = outbox.ReadAfter(0, 1000);
        var metrics = rows.Where(r => r.Kind == MessageKind.Metrics).Select(r => r.Seq).ToList();
        Assert.Equal(110 - metrics.Count, outbox.DroppedMetrics);
        Assert.InRange(metrics.Count, 98, 100);
        Assert.Equal(rows.Count, outbox.Depth);
        // The survivors are the newest snapshots.
        Assert.Equal(metrics, rows.Where(r => r.Kind == MessageKind.Metrics).Select(r => r.Seq).OrderBy(s => s).TakeLast(metrics.Count));
        Assert.Equal(outbox.LastSeq, Math.Max(metrics[^1], rows[^1].Seq));
        Assert.True(metrics[0] > 10);
    }

    [Fact]
    public async Task Results_Are_Never_Dropped_They_Wait_For_Room_While_The_Near_Cap_Alert_Is_Raised()
    {
        using var dir = new TempDirectory("ei-outbox");
        var options = LinkTestKit.Options(dir.File("o.db"), 1883);
        options.OutboxMaxRecords = 100;
        await using var outbox = Outbox.Open(options);
        var seqs = new List<long>();
        for (var i = 0; i < 99; i++)
        {
            seqs.Add(await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(i)));
        }

        // The near-cap alert went in at 90% and takes a slot: 99 results + 1 alert is the cap, so results must wait.
        await LinkTestKit.WaitUntil(() => outbox.Depth == 100, TimeSpan.FromSeconds(5), () => $"depth {outbox.Depth}");
        var blocked = outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(999)).AsTask();
        await Task.Delay(300);
        Assert.False(blocked.IsCompleted, "a result was accepted above the cap");
        Assert.Equal(-1, await outbox.EnqueueAsync(MessageKind.Metrics, "{\"values\":{}}"u8.ToArray()));
        Assert.Equal(1, outbox.DroppedMetrics);

        foreach (var seq in seqs.Take(20))
        {
            outbox.Acknowledge(seq);
        }

        var late = await blocked.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(late > seqs[^1]);
        var rows = outbox.ReadAfter(0, 1000);
        var alert = Assert.Single(rows, r => r.Kind == MessageKind.Alert);
        Assert.Contains("outbox-near-cap", System.Text.Encoding.UTF8.GetString(alert.Payload));
        Assert.Contains(outbox.ReadRetained(), r => r.Topic.EndsWith("/alert/state/outbox-near-cap", StringComparison.Ordinal));
        Assert.True(outbox.IsNearCap);
    }
}
