using System.Diagnostics;
using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Native.Gpiod;

/// <summary>One edge read from a line: its logical direction and the kernel's timestamp.</summary>
/// <param name="BecameActive">True for a rising logical edge (active-low applied by the kernel).</param>
/// <param name="KernelTimestampNanoseconds">
/// CLOCK_MONOTONIC: libgpiod 2 asks for it; libgpiod 1.6 gets it on Linux 5.7 and later (CLOCK_REALTIME before).
/// </param>
public readonly record struct GpiodEdge(bool BecameActive, long KernelTimestampNanoseconds);

/// <summary>
/// A requested input line with edge detection, as either API gives it: the seam that lets both share
/// <see cref="GpiodInputLine"/>, and that tests script without a chip.
/// </summary>
internal interface IEdgeEventSource : IDisposable
{
    /// <summary>The logical value (true = active).</summary>
    bool GetValue();

    /// <summary>Waits up to <paramref name="timeout"/> for a queued edge; false on timeout.</summary>
    bool WaitForEdges(TimeSpan timeout);

    /// <summary>Moves queued edges, oldest first, into <paramref name="into"/> (at least one after a true wait).</summary>
    /// <returns>How many were written.</returns>
    int ReadEdges(Span<GpiodEdge> into);
}

/// <summary>
/// Core's <see cref="IInputLine"/> over either API: every edge the kernel queued is delivered, in order, one per call,
/// in the station clock's timestamps. A read may bring several edges; the next calls hand them out before waiting again.
/// </summary>
internal sealed class GpiodInputLine(IEdgeEventSource source, TimeProvider time) : IInputLine
{
    /// <summary>Edges moved per read (libgpiod 2 reads as many as are queued, up to this; 1.6 reads one).</summary>
    internal const int ReadBatch = 64;

    /// <summary>Kernel timestamps further than this from the station clock are in another clock domain.</summary>
    private static readonly TimeSpan SameClockTolerance = TimeSpan.FromSeconds(10);

    private readonly GpiodEdge[] _batch = new GpiodEdge[ReadBatch];
    private int _next;
    private int _count;

    public bool IsActive => source.GetValue();

    public bool TryWaitForEdge(TimeSpan timeout, out LineEdge edge)
    {
        if (_next == _count)
        {
            if (!source.WaitForEdges(timeout))
            {
                edge = default;
                return false;
            }

            _count = source.ReadEdges(_batch);
            _next = 0;
            if (_count == 0)
            {
                edge = default;
                return false;
            }
        }

        var e = _batch[_next++];
        edge = new LineEdge(e.BecameActive, ToStationTimestamp(e.KernelTimestampNanoseconds));
        return true;
    }

    public void Dispose() => source.Dispose();

    /// <summary>
    /// Uses the kernel's timestamp when it is on the station clock, so bounces read late in a burst keep their real
    /// spacing. That holds for the system clock (Stopwatch is CLOCK_MONOTONIC on Linux) on libgpiod 2, and on libgpiod
    /// 1.6 with Linux 5.7 and later; otherwise (older kernels stamp CLOCK_REALTIME, or a test clock) the read time stands in.
    /// </summary>
    private long ToStationTimestamp(long kernelNanoseconds)
    {
        var now = time.GetTimestamp();
        if (!ReferenceEquals(time, TimeProvider.System))
        {
            return now;
        }

        var kernel = (long)(kernelNanoseconds * (Stopwatch.Frequency / 1e9));
        return Math.Abs(time.GetElapsedTime(kernel, now).Ticks) <= SameClockTolerance.Ticks ? kernel : now;
    }
}
