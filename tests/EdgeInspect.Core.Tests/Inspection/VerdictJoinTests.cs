using EdgeInspect.Core.Inspection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Inspection;

public sealed class VerdictJoinTests
{
    private readonly FakeTimeProvider _time = new();

    private VerdictJoin<int> Join(double timeoutSeconds = 5) => new(_time, TimeSpan.FromSeconds(timeoutSeconds));

    private InspectorPress Press(Verdict verdict, string inspector = "alice") => new("left", inspector, verdict, _time.GetTimestamp());

    [Fact]
    public void Presses_Label_Pending_Parts_Oldest_First()
    {
        var join = Join();
        join.Enqueue("p-1", 1);
        join.Enqueue("p-2", 2);
        join.Enqueue("p-3", 3);

        Assert.True(join.OnPress(Press(Verdict.Fail), out var first));
        Assert.True(join.OnPress(Press(Verdict.Pass), out var second));

        Assert.Equal(("p-1", 1, (Verdict?)Verdict.Fail), (first.PartId, first.Part, first.Verdict));
        Assert.Equal(("p-2", 2, (Verdict?)Verdict.Pass), (second.PartId, second.Part, second.Verdict));
        Assert.Equal(1, join.Counters.Pending);
    }

    [Fact]
    public void A_Press_With_No_Pending_Part_Is_Counted_And_Ignored()
    {
        var join = Join();

        Assert.False(join.OnPress(Press(Verdict.Pass), out _));
        join.Enqueue("p-1", 1);
        Assert.True(join.OnPress(Press(Verdict.Fail), out var joined));
        Assert.False(join.OnPress(Press(Verdict.Pass), out _));

        Assert.Equal("p-1", joined.PartId);
        Assert.Equal(new VerdictJoinCounters(Enqueued: 1, Labeled: 1, TimedOut: 0, OrphanPresses: 2, Pending: 0), join.Counters);
    }

    [Fact]
    public void A_Part_Past_Its_Timeout_Comes_Out_Unlabeled()
    {
        var join = Join(timeoutSeconds: 5);
        var collected = new List<JoinedVerdict<int>>();
        join.Enqueue("p-1", 1);
        _time.Advance(TimeSpan.FromSeconds(3));
        join.Enqueue("p-2", 2);

        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(0, join.CollectTimedOut(collected));
        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(1, join.CollectTimedOut(collected));

        var timedOut = Assert.Single(collected);
        Assert.Equal(("p-1", JoinOutcome.TimedOut, (Verdict?)null), (timedOut.PartId, timedOut.Outcome, timedOut.Verdict));
        Assert.Equal(1, join.Counters.Pending);
        Assert.Equal(1, join.Counters.TimedOut);
    }

    [Fact]
    public void A_Press_Skips_Parts_Already_Timed_Out_And_Labels_The_Next_One()
    {
        var join = Join(timeoutSeconds: 2);
        join.Enqueue("p-old", 1);
        _time.Advance(TimeSpan.FromSeconds(1.5));
        join.Enqueue("p-new", 2);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(join.OnPress(Press(Verdict.Fail), out var joined));
        var collected = new List<JoinedVerdict<int>>();
        join.CollectTimedOut(collected);

        Assert.Equal("p-new", joined.PartId);
        Assert.Equal("p-old", Assert.Single(collected).PartId);
    }

    [Fact]
    public void Human_Latency_Is_Measured_From_Enqueue_To_The_Press()
    {
        var join = Join();
        join.Enqueue("p-1", 1);
        _time.Advance(TimeSpan.FromMilliseconds(1250));

        join.OnPress(Press(Verdict.Pass), out var joined);

        Assert.Equal(TimeSpan.FromMilliseconds(1250), joined.HumanLatency);
        Assert.Equal("alice", joined.Press.InspectorId);
    }

    [Fact]
    public void Flush_Times_Out_Every_Pending_Part_In_Order()
    {
        var join = Join();
        join.Enqueue("p-1", 1);
        join.Enqueue("p-2", 2);
        var flushed = new List<JoinedVerdict<int>>();

        join.Flush(flushed);

        Assert.Equal(["p-1", "p-2"], flushed.Select(j => j.PartId));
        Assert.Null(join.NextDeadline);
    }

    [Fact]
    public async Task Concurrent_Parts_And_Presses_Are_Each_Joined_Exactly_Once()
    {
        var join = Join(timeoutSeconds: 60);
        const int parts = 20_000;
        var labeled = new System.Collections.Concurrent.ConcurrentBag<int>();
        var producer = Task.Run(() =>
        {
            for (var i = 0; i < parts; i++)
            {
                join.Enqueue($"p-{i}", i);
            }
        });
        var presser = Task.Run(() =>
        {
            while (labeled.Count < parts)
            {
                if (join.OnPress(new InspectorPress("left", "alice", Verdict.Pass, 0), out var joined))
                {
                    labeled.Add(joined.Part);
                }
            }
        });

        await Task.WhenAll(producer, presser).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, parts), labeled.Order());
        Assert.Equal(parts, join.Counters.Labeled);
    }
}
