using EdgeInspect.Core.Messages;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.OutboxStage;
using Microsoft.Data.Sqlite;

namespace EdgeInspect.Worker.Tests.Link;

public sealed class OutboxTests
{
    [Fact]
    public async Task Seq_Keeps_Increasing_Across_Restarts_And_Each_Start_Is_A_New_Boot_Epoch()
    {
        using var dir = new TempDirectory("ei-outbox");
        long firstEpoch, lastSeq;
        await using (var outbox = LinkTestKit.OpenOutbox(dir.File("o.db")))
        {
            firstEpoch = outbox.BootEpoch;
            Assert.Equal(1, await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(1)));
            lastSeq = await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(2));
            outbox.Acknowledge(1);
            outbox.Acknowledge(2);
        }

        await using (var outbox = LinkTestKit.OpenOutbox(dir.File("o.db")))
        {
            Assert.Equal(firstEpoch + 1, outbox.BootEpoch);
            Assert.Equal(0, outbox.Depth);
            Assert.Equal(lastSeq + 1, await outbox.EnqueueAsync(MessageKind.Event, "{\"type\":\"x\",\"message\":\"y\"}"u8.ToArray()));
        }
    }

    [Fact]
    public async Task Records_A_Previous_Run_Left_Behind_Are_Resumed_In_Seq_Order_With_Their_Kind_And_No_Topic()
    {
        using var dir = new TempDirectory("ei-outbox");
        await using (var outbox = LinkTestKit.OpenOutbox(dir.File("o.db")))
        {
            for (var i = 0; i < 5; i++)
            {
                await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(i));
            }
        }

        await using var reopened = LinkTestKit.OpenOutbox(dir.File("o.db"));
        var records = reopened.ReadAfter(0, 100);
        Assert.Equal([1L, 2, 3, 4, 5], records.Select(r => r.Seq));
        Assert.All(records, r => Assert.Equal(MessageKind.Result, r.Kind));
        Assert.True(Envelope.TryReadHeader(records[0].Payload, out var header));
        Assert.Equal((1L, 1L, "st-01"), (header.Epoch, header.Seq, header.Device));
    }

    [Fact]
    public async Task An_Outbox_File_Of_The_First_Layout_Is_Migrated_With_Every_Record_And_Retained_State_Kept()
    {
        using var dir = new TempDirectory("ei-outbox");
        var path = dir.File("old.db");
        SQLitePCL.Batteries_V2.Init();
        await using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var create = db.CreateCommand();
            // The layout written before the outbox became its own stage: a topic on every row.
            create.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE outbox(seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL, created_ms INTEGER NOT NULL);
                CREATE INDEX outbox_kind_seq ON outbox(kind, seq);
                CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE retained(topic TEXT PRIMARY KEY, payload BLOB NOT NULL);
                INSERT INTO meta VALUES ('boot_epoch', 4), ('last_seq', 12);
                INSERT INTO outbox VALUES (11, 1, 'ei/plant/assembly/line-1/st-01/result', x'7b7d', 0), (12, 2, 'ei/plant/assembly/line-1/st-01/alert', x'5b5d', 0);
                INSERT INTO retained VALUES ('ei/plant/assembly/line-1/st-01/alert/state/cam0.brightness', x'7b2278223a317d');
                """;
            create.ExecuteNonQuery();
        }

        await using var outbox = LinkTestKit.OpenOutbox(path);
        Assert.Equal(5, outbox.BootEpoch);
        Assert.Equal(2, outbox.Depth);
        var records = outbox.ReadAfter(0, 10);
        Assert.Equal([(11L, MessageKind.Result, "{}"), (12L, MessageKind.Alert, "[]")], records.Select(r => (r.Seq, r.Kind, System.Text.Encoding.UTF8.GetString(r.Payload))));
        var state = Assert.Single(outbox.ReadRetained());
        Assert.Equal((MessageKind.Alert, "cam0.brightness", "{\"x\":1}"), (state.Kind, state.Key, System.Text.Encoding.UTF8.GetString(state.Payload)));
        Assert.Equal(13, await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(13)));
    }

    [Fact]
    public async Task When_Full_Metrics_Drop_Their_Oldest_Entries_And_Count_Them()
    {
        using var dir = new TempDirectory("ei-outbox");
        var options = LinkTestKit.OutboxAt(dir.File("o.db"));
        options.MaxRecords = 100;
        options.NearCapFraction = 0.99;
        await using var outbox = Outbox.Open(options, "st-01");
        for (var i = 0; i < 110; i++)
        {
            await outbox.EnqueueAsync(MessageKind.Metrics, "{\"values\":{\"fps\":30}}"u8.ToArray());
        }

        // Each awaited enqueue returned after its group commit, drops included: nothing is left to settle.
        var rows = outbox.ReadAfter(0, 1000);
        var metrics = rows.Select(r => r.Seq).ToList();
        Assert.All(rows, r => Assert.Equal(MessageKind.Metrics, r.Kind));
        Assert.Equal(100, metrics.Count);
        Assert.Equal(10, outbox.DroppedMetrics);
        Assert.Equal(rows.Count, outbox.Depth);
        // The survivors are the newest snapshots.
        Assert.Equal(Enumerable.Range(11, 100).Select(i => (long)i), metrics);
        Assert.Equal(outbox.LastSeq, metrics[^1]);
    }

    [Fact]
    public async Task Results_Are_Never_Dropped_They_Wait_For_Room_While_The_Near_Cap_Alert_Is_Raised()
    {
        using var dir = new TempDirectory("ei-outbox");
        var options = LinkTestKit.OutboxAt(dir.File("o.db"));
        options.MaxRecords = 100;
        await using var outbox = Outbox.Open(options, "st-01");
        var sink = new OutboxSink(outbox);
        var fills = new List<OutboxFill>();
        outbox.NearCapChanged += fill =>
        {
            lock (fills)
            {
                fills.Add(fill);
            }

            _ = sink.NearCapAsync(fill);
        };
        var seqs = new List<long>();
        for (var i = 0; i < 99; i++)
        {
            seqs.Add(await outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(i)));
        }

        // The near-cap alert went in at 90% and takes a slot: 99 results + 1 alert is the cap, so results must wait.
        await LinkTestKit.WaitUntil(() => outbox.Depth == 100, TimeSpan.FromSeconds(5), () => $"depth {outbox.Depth}");
        var blocked = outbox.EnqueueAsync(MessageKind.Result, LinkTestKit.Result(999)).AsTask();
        await LinkTestKit.WaitUntil(() => outbox.HeldForRoom == 1, TimeSpan.FromSeconds(5), () => $"held {outbox.HeldForRoom}, blocked done {blocked.IsCompleted}");
        Assert.False(blocked.IsCompleted, "a result was accepted above the cap");
        Assert.Equal(-1, await outbox.EnqueueAsync(MessageKind.Metrics, "{\"values\":{}}"u8.ToArray()));
        Assert.Equal(1, outbox.DroppedMetrics);

        foreach (var seq in seqs.Take(20))
        {
            outbox.Acknowledge(seq);
        }

        var late = await blocked.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(late > seqs[^1]);
        Assert.Equal(0, outbox.HeldForRoom);
        var rows = outbox.ReadAfter(0, 1000);
        var alert = Assert.Single(rows, r => r.Kind == MessageKind.Alert);
        Assert.Contains("outbox-near-cap", System.Text.Encoding.UTF8.GetString(alert.Payload));
        await LinkTestKit.WaitUntil(() => outbox.ReadRetained().Count == 1, TimeSpan.FromSeconds(5));
        var state = Assert.Single(outbox.ReadRetained());
        Assert.Equal((MessageKind.Alert, OutboxSink.NearCapAlert), (state.Kind, state.Key));
        Assert.True(outbox.IsNearCap);
        lock (fills)
        {
            var fill = Assert.Single(fills);
            Assert.True(fill.NearCap);
            Assert.True(fill.Fill >= 0.9, $"fill {fill.Fill}");
        }
    }
}
