using System.Diagnostics;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Native.Gpiod;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Native.Tests.Gpiod;

/// <summary>
/// The input line both APIs share, over a scripted edge source standing in for a chip: every queued edge reaches the
/// watcher, in order, with the kernel's timestamp when it is on the station clock.
/// </summary>
public sealed class GpiodInputLineTests
{
    [Fact]
    public void Every_Edge_Of_One_Read_Is_Delivered_In_Order_Before_The_Next_Wait()
    {
        var source = new ScriptedEdgeSource(readLimit: int.MaxValue);
        source.Queue(Edges(3));
        using var line = new GpiodInputLine(source, new FakeTimeProvider());

        var delivered = Drain(line);

        Assert.Equal([true, false, true], delivered.Select(e => e.IsActive));
        Assert.Equal(1, source.Reads);
        Assert.Equal(2, source.Waits); // one that found the three edges, one that timed out after them
    }

    [Theory]
    [InlineData(1)] // libgpiod 1.6: one event per read
    [InlineData(int.MaxValue)] // libgpiod 2: as many as are queued, up to the read batch
    public void More_Edges_Than_A_Read_Moves_All_Arrive(int readLimit)
    {
        var source = new ScriptedEdgeSource(readLimit);
        var queued = Edges(150);
        source.Queue(queued);
        using var line = new GpiodInputLine(source, TimeProvider.System);

        var delivered = Drain(line);

        Assert.Equal(queued.Select(e => e.BecameActive), delivered.Select(e => e.IsActive));
        Assert.Equal(queued.Select(e => e.KernelTimestampNanoseconds), delivered.Select(e => e.Timestamp));
        Assert.Equal(readLimit == 1 ? 150 : 3, source.Reads); // 64 + 64 + 22
    }

    [Fact]
    public void A_Kernel_Timestamp_On_The_Station_Clock_Is_Kept()
    {
        // CLOCK_MONOTONIC nanoseconds, the clock libgpiod 2 asks for; Stopwatch reads the same clock on Linux.
        var kernel = Stopwatch.GetTimestamp() - Stopwatch.Frequency / 200; // 5 ms ago
        var source = new ScriptedEdgeSource(int.MaxValue);
        source.Queue([new GpiodEdge(true, kernel)]);
        using var line = new GpiodInputLine(source, TimeProvider.System);

        Assert.True(line.TryWaitForEdge(TimeSpan.Zero, out var edge));

        Assert.Equal(1_000_000_000, Stopwatch.Frequency);
        Assert.Equal(kernel, edge.Timestamp);
        Assert.True(edge.IsActive);
    }

    [Fact]
    public void A_Kernel_Timestamp_On_Another_Clock_Gives_Way_To_The_Read_Time()
    {
        // CLOCK_REALTIME, which libgpiod 1.6 gets from kernels before 5.7.
        var realtime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var source = new ScriptedEdgeSource(int.MaxValue);
        source.Queue([new GpiodEdge(false, realtime)]);
        using var line = new GpiodInputLine(source, TimeProvider.System);

        var before = Stopwatch.GetTimestamp();
        Assert.True(line.TryWaitForEdge(TimeSpan.Zero, out var edge));
        var after = Stopwatch.GetTimestamp();

        Assert.InRange(edge.Timestamp, before, after);
    }

    [Fact]
    public void On_A_Test_Clock_The_Read_Time_Stands_In()
    {
        var clock = new FakeTimeProvider();
        clock.Advance(TimeSpan.FromSeconds(42));
        var source = new ScriptedEdgeSource(int.MaxValue);
        source.Queue([new GpiodEdge(true, Stopwatch.GetTimestamp())]);
        using var line = new GpiodInputLine(source, clock);

        Assert.True(line.TryWaitForEdge(TimeSpan.Zero, out var edge));

        Assert.Equal(clock.GetTimestamp(), edge.Timestamp);
    }

    [Fact]
    public void The_Level_Is_The_Sources_Logical_Value_And_Dispose_Releases_The_Source()
    {
        var source = new ScriptedEdgeSource(int.MaxValue) { Value = true };
        var line = new GpiodInputLine(source, TimeProvider.System);

        Assert.True(line.IsActive);
        source.Value = false;
        Assert.False(line.IsActive);

        line.Dispose();
        Assert.True(source.Disposed);
    }

    private static List<LineEdge> Drain(GpiodInputLine line)
    {
        var delivered = new List<LineEdge>();
        while (line.TryWaitForEdge(TimeSpan.Zero, out var edge))
        {
            delivered.Add(edge);
        }

        return delivered;
    }

    /// <summary>Alternating edges, a millisecond apart, on CLOCK_MONOTONIC just before now.</summary>
    private static GpiodEdge[] Edges(int count)
    {
        var start = Stopwatch.GetTimestamp() - (count + 1) * 1_000_000L;
        return Enumerable.Range(0, count).Select(i => new GpiodEdge(i % 2 == 0, start + i * 1_000_000L)).ToArray();
    }

    /// <summary>A kernel queue a test fills; reads move at most <c>readLimit</c> edges, as each API does.</summary>
    private sealed class ScriptedEdgeSource(int readLimit) : IEdgeEventSource
    {
        private readonly Queue<GpiodEdge> _queued = new();

        public bool Value { get; set; }

        public int Waits { get; private set; }

        public int Reads { get; private set; }

        public bool Disposed { get; private set; }

        public void Queue(IEnumerable<GpiodEdge> edges)
        {
            foreach (var edge in edges)
            {
                _queued.Enqueue(edge);
            }
        }

        public bool GetValue() => Value;

        public bool WaitForEdges(TimeSpan timeout)
        {
            Waits++;
            return _queued.Count > 0;
        }

        public int ReadEdges(Span<GpiodEdge> into)
        {
            Reads++;
            var count = Math.Min(Math.Min(readLimit, into.Length), _queued.Count);
            for (var i = 0; i < count; i++)
            {
                into[i] = _queued.Dequeue();
            }

            return count;
        }

        public void Dispose() => Disposed = true;
    }
}
