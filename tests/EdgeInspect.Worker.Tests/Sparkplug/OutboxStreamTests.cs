using EdgeInspect.Core.Messages;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.OutboxStage;
using EdgeInspect.Worker.Tests.Link;

namespace EdgeInspect.Worker.Tests.Sparkplug;

/// <summary>The outbox's named streams: a second consumer's records beside the link's, in the same file and caps.</summary>
public sealed class OutboxStreamTests
{
    private static byte[] Bytes(int n) => [.. BitConverter.GetBytes(n), .. new byte[60]];

    [Fact]
    public async Task The_Link_And_A_Stream_Never_See_Or_Delete_Each_Others_Records_And_Link_Seqs_Stay_Gap_Free()
    {
        using var dir = new TempDirectory("ei-stream");
        await using var outbox = LinkTestKit.OpenOutbox(dir.File("o.db"));
        var stream = outbox.OpenStream("sparkplug");
        Assert.Equal(1, await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(1)));
        var a = await stream.EnqueueAsync(MessageKind.Result, Bytes(1));
        Assert.Equal(2, await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(2)));
        var b = await stream.EnqueueAsync(MessageKind.Metrics, Bytes(2));

        Assert.Equal([1L, 2], outbox.ReadAfter(0, 10).Select(r => r.Seq));
        Assert.Equal([a, b], stream.ReadAfter(0, 10).Select(r => r.Seq));
        Assert.Equal(Bytes(1), stream.ReadAfter(0, 10)[0].Payload);
        Assert.Equal((2L, 2L), (outbox.Depth, stream.Depth));

        // Acknowledging seq 1 on the link side leaves stream record 1 alone, and the other way round.
        outbox.Acknowledge(1);
        stream.Acknowledge(b);
        await outbox.EnqueueAsync(MessageKind.Event, "{}"u8.ToArray());
        await LinkTestKit.WaitUntil(() => outbox.Depth == 2 && stream.Depth == 1, TimeSpan.FromSeconds(5));
        Assert.Equal([2L, 3], outbox.ReadAfter(0, 10).Select(r => r.Seq));
        Assert.Equal([a], stream.ReadAfter(0, 10).Select(r => r.Seq));
    }

    [Fact]
    public async Task Stream_Records_And_Their_Ids_Survive_A_Restart()
    {
        using var dir = new TempDirectory("ei-stream");
        long last;
        await using (var outbox = LinkTestKit.OpenOutbox(dir.File("o.db")))
        {
            var stream = outbox.OpenStream("sparkplug");
            for (var i = 0; i < 3; i++)
            {
                await stream.EnqueueAsync(MessageKind.Result, Bytes(i));
            }

            last = await stream.EnqueueAsync(MessageKind.Result, Bytes(3));
            stream.Acknowledge(last);
        }

        await using (var outbox = LinkTestKit.OpenOutbox(dir.File("o.db")))
        {
            var stream = outbox.OpenStream("sparkplug");
            Assert.Equal(3, stream.Depth);
            Assert.Equal(3, outbox.StreamDepth);
            Assert.Equal(0, outbox.Depth);
            Assert.Equal(3, stream.ReadAfter(0, 10).Count);
            // Ids keep growing, even past an acknowledged last record.
            Assert.Equal(last + 1, await stream.EnqueueAsync(MessageKind.Result, Bytes(4)));
        }
    }

    [Fact]
    public async Task Stream_Records_Count_Against_The_Caps_Droppable_Ones_Drop_Their_Oldest_And_Others_Wait_For_Room()
    {
        using var dir = new TempDirectory("ei-stream");
        await using var outbox = Outbox.Open(new OutboxOptions { Path = dir.File("o.db"), MaxRecords = 100 }, "st-01");
        var stream = outbox.OpenStream("sparkplug");
        for (var i = 0; i < 60; i++)
        {
            await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(i));
        }

        for (var i = 0; i < 40; i++)
        {
            await stream.EnqueueAsync(MessageKind.Metrics, Bytes(i));
        }

        Assert.True(outbox.IsNearCap);
        Assert.Equal(1.0, outbox.Fill, 3);

        // Full: a droppable stream record replaces the stream's oldest droppable one, counted.
        var id = await stream.EnqueueAsync(MessageKind.Metrics, Bytes(40));
        await LinkTestKit.WaitUntil(() => stream.Dropped == 1 && stream.Depth == 40, TimeSpan.FromSeconds(5));
        Assert.Equal(BitConverter.GetBytes(1), stream.ReadAfter(0, 1)[0].Payload[..4]);
        Assert.Equal(id, stream.ReadAfter(0, 100)[^1].Seq);

        // A result of the link, and a non-droppable stream record, wait until the stream's consumer makes room.
        var result = outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(99)).AsTask();
        var held = stream.EnqueueAsync(MessageKind.Result, Bytes(99)).AsTask();
        await LinkTestKit.WaitUntil(() => outbox.HeldForRoom == 2, TimeSpan.FromSeconds(5));
        Assert.False(result.IsCompleted || held.IsCompleted);
        foreach (var record in stream.ReadAfter(0, 5))
        {
            stream.Acknowledge(record.Seq);
        }

        await Task.WhenAll(result, held).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(61, outbox.Depth);
    }

    [Fact]
    public async Task A_Stream_Without_A_Consumer_Is_Discarded_With_Its_Share_Of_The_Caps()
    {
        using var dir = new TempDirectory("ei-stream");
        await using (var outbox = LinkTestKit.OpenOutbox(dir.File("o.db")))
        {
            var stream = outbox.OpenStream("sparkplug");
            for (var i = 0; i < 5; i++)
            {
                await stream.EnqueueAsync(MessageKind.Result, Bytes(i));
            }

            await Assert.ThrowsAsync<InvalidOperationException>(() => outbox.DiscardStreamAsync("sparkplug"));
        }

        await using (var outbox = LinkTestKit.OpenOutbox(dir.File("o.db")))
        {
            Assert.Equal(5, outbox.StreamDepth);
            Assert.Equal(5, await outbox.DiscardStreamAsync("sparkplug"));
            Assert.Equal(0, outbox.StreamDepth);
            Assert.Equal(0.0, outbox.Fill);
        }

        await using (var outbox = LinkTestKit.OpenOutbox(dir.File("o.db")))
        {
            Assert.Equal(0, outbox.OpenStream("sparkplug").Depth);
        }
    }
}
