using System.Text;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Sparkplug;
using EdgeInspect.Worker.Sparkplug.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Tests.Sparkplug;

/// <summary>The node's pure parts: bdSeq storage, the metric table, the primary host's STATE.</summary>
public sealed class EdgeNodeStateTests
{
    [Fact]
    public void BdSeq_Starts_At_Zero_Survives_A_Restart_And_Wraps_From_255_To_0()
    {
        using var dir = new TempDirectory("ei-bdseq");
        var path = BdSeqStore.BesideOutbox(dir.File("var/outbox.db"));
        var store = new BdSeqStore(path, NullLogger.Instance);
        Assert.Null(store.Last);
        Assert.Equal(0, store.Next);
        store.Commit(store.Next);

        var reopened = new BdSeqStore(path, NullLogger.Instance);
        Assert.Equal(0, reopened.Last);
        Assert.Equal(1, reopened.Next);
        reopened.Commit(255);
        Assert.Equal(0, new BdSeqStore(path, NullLogger.Instance).Next);
        Assert.Equal("255\n", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void An_Unreadable_BdSeq_File_Is_Reported_And_The_Count_Starts_Again()
    {
        using var dir = new TempDirectory("ei-bdseq");
        var path = dir.File("o.db.sparkplug-bdseq");
        File.WriteAllText(path, "garbage");
        var log = new TestLog();

        var store = new BdSeqStore(path, log);

        Assert.Equal(0, store.Next);
        Assert.Contains(log.Lines, l => l.Contains("not a number 0..255", StringComparison.Ordinal) && l.Contains(path, StringComparison.Ordinal));
    }

    [Fact]
    public void Aliases_Are_Given_In_Declaration_Order_Never_Change_And_A_New_Metric_Raises_The_Version()
    {
        var table = new MetricTable();
        var at = DateTimeOffset.UtcNow;
        var a = table.Declare(null, "A", MetricValue.Int64(1), at);
        table.AddDevice("cam0");
        var b = table.Declare("cam0", "B", MetricValue.String("x"), at);
        var version = table.Version;

        Assert.Equal((1UL, 2UL), (a.Alias, b.Alias));
        Assert.Empty(table.Apply(null, [("A", MetricValue.Int64(1))], at));
        var changed = Assert.Single(table.Apply(null, [("A", MetricValue.Int64(2)), ("A", MetricValue.Int64(2))], at));
        Assert.Equal(MetricValue.Int64(2), changed.Value);
        Assert.Equal(version, table.Version);
        Assert.Equal(1UL, table.Declare(null, "A", MetricValue.Int64(9), at).Alias);

        var added = Assert.Single(table.Apply(null, [("C", MetricValue.Double(0.5))], at));
        Assert.Equal(3UL, added.Definition.Alias);
        Assert.Equal(version + 1, table.Version);
        Assert.Equal("C", table.FindByAlias(3)!.Value.Definition.Name);
        Assert.Throws<ArgumentException>(() => table.Apply(null, [("A", MetricValue.String("two"))], at));
        Assert.Equal(MetricValue.Double(null), MetricValue.Double(double.NaN));
    }

    [Fact]
    public void Stored_Data_Is_Sent_By_Alias_Only_With_Its_Own_Timestamps_And_The_Historical_Flag()
    {
        var table = new MetricTable();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        table.Declare(null, "Parts/Pass", MetricValue.Int64(0), at);
        var readings = table.Apply(null, [("Parts/Pass", MetricValue.Int64(7))], at);
        var stored = SparkplugPayloads.ToStore(readings, at);
        Assert.Equal(("Parts/Pass", (uint)DataType.Int64, 7UL), (stored.Metrics[0].Name, stored.Metrics[0].Datatype, stored.Metrics[0].LongValue));

        var now = at.AddMinutes(5);
        var sent = SparkplugPayloads.ForSending(stored, seq: 9, historical: true, name => table.Find(null, name)?.Definition.Alias, now);

        Assert.Equal((9UL, (ulong)now.ToUnixTimeMilliseconds()), (sent.Seq, sent.Timestamp));
        var metric = Assert.Single(sent.Metrics);
        Assert.False(metric.HasName);
        Assert.False(metric.HasDatatype);
        Assert.Equal((1UL, (ulong)at.ToUnixTimeMilliseconds(), 7UL, true), (metric.Alias, metric.Timestamp, metric.LongValue, metric.IsHistorical));
        Assert.False(SparkplugPayloads.ForSending(stored, 10, historical: false, _ => 1, now).Metrics[0].HasIsHistorical);
    }

    [Fact]
    public void The_Primary_Host_Is_Online_Only_By_Its_Latest_State_And_Older_Ones_Are_Ignored()
    {
        var host = new PrimaryHostState();
        static byte[] State(bool online, long ts) => Encoding.UTF8.GetBytes($"{{\"online\":{(online ? "true" : "false")},\"timestamp\":{ts}}}");

        Assert.False(host.IsOnline);
        Assert.Equal(HostStateChange.Online, host.Observe(State(true, 100)));
        Assert.True(host.IsOnline);
        // A will from an earlier host session, delivered late: older timestamp, ignored.
        Assert.Equal(HostStateChange.Ignored, host.Observe(State(false, 50)));
        Assert.True(host.IsOnline);
        Assert.Equal(HostStateChange.Offline, host.Observe(State(false, 100)));
        Assert.False(host.IsOnline);
        Assert.Equal(HostStateChange.Ignored, host.Observe(State(true, 99)));

        Assert.Equal(HostStateChange.Ignored, host.Observe("not json"u8));
        Assert.Equal(HostStateChange.Ignored, host.Observe("{\"online\":\"yes\",\"timestamp\":1}"u8));
        Assert.Equal(HostStateChange.Ignored, host.Observe(""u8));
        Assert.Equal(2, host.Malformed);

        Assert.Equal(HostStateChange.Online, host.Observe(State(true, 200)));
        host.Forget();
        Assert.False(host.IsOnline);
        Assert.Equal(HostStateChange.Ignored, host.Observe(State(true, 150)));
    }
}
