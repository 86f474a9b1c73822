using System.Collections.Concurrent;

namespace EdgeInspect.Core.Frames;

/// <summary>
/// A fixed set of reusable frame buffers. Its size bounds the memory capture can use; renting allocates nothing.
/// </summary>
public sealed class FramePool : IDisposable
{
    private readonly ConcurrentQueue<Frame> _free = new();
    private readonly SemaphoreSlim _available;

    /// <param name="count">How many frames exist at most.</param>
    /// <param name="capacityBytes">Bytes per frame buffer, e.g. 640 × 480 × 3.</param>
    public FramePool(int count, int capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 3);
        Count = count;
        CapacityBytes = capacityBytes;
        for (var i = 0; i < count; i++)
        {
            _free.Enqueue(new Frame(this, capacityBytes));
        }

        _available = new SemaphoreSlim(count, count);
    }

    public int Count { get; }

    public int CapacityBytes { get; }

    /// <summary>Frames currently free.</summary>
    public int Available => _available.CurrentCount;

    /// <summary>Rents a free frame without waiting.</summary>
    public bool TryRent(out Frame frame) => TryRent(TimeSpan.Zero, CancellationToken.None, out frame);

    /// <summary>Rents a frame, waiting up to <paramref name="timeout"/> for one to come back (blocking; for capture threads).</summary>
    public bool TryRent(TimeSpan timeout, CancellationToken cancellationToken, out Frame frame)
    {
        if (!_available.Wait(timeout, cancellationToken))
        {
            frame = null!;
            return false;
        }

        if (!_free.TryDequeue(out frame!))
        {
            _available.Release();
            throw new InvalidOperationException("Frame pool bookkeeping is inconsistent: a permit was free but no frame was");
        }

        frame.ResetForRent();
        return true;
    }

    internal void Return(Frame frame)
    {
        _free.Enqueue(frame);
        _available.Release();
    }

    public void Dispose() => _available.Dispose();
}
