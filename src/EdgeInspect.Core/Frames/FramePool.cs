namespace EdgeInspect.Core.Frames;

/// <summary>
/// A fixed set of reusable frame buffers, each with room beside it for the frame's encoded form
/// (<see cref="Frame.Compressed"/>). Its size bounds the memory capture can use; renting allocates nothing.
/// </summary>
/// <remarks>
/// The last frame returned is the next one rented (a stack, not a queue): at a line's rate two or three frames are in
/// flight, so those few stay warm in the cache and the rest of the pool is never touched, which keeps it out of the
/// resident set (its buffers are allocated uninitialized, so an unused frame costs address space only). A burst still
/// has the whole pool.
/// </remarks>
public sealed class FramePool : IDisposable
{
    private readonly Stack<Frame> _free;
    private readonly SemaphoreSlim _available;

    /// <param name="count">How many frames exist at most.</param>
    /// <param name="capacityBytes">Bytes per frame buffer, e.g. 640 × 480 × 3.</param>
    /// <param name="compressedCapacityBytes">Bytes per compressed buffer; by default <see cref="DefaultCompressedCapacity"/>.
    /// 0 keeps no encoded frames. A frame whose encoding is larger is still decoded, but not kept.</param>
    public FramePool(int count, int capacityBytes, int? compressedCapacityBytes = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 3);
        var compressed = compressedCapacityBytes ?? DefaultCompressedCapacity(capacityBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(compressed, nameof(compressedCapacityBytes));
        Count = count;
        CapacityBytes = capacityBytes;
        CompressedCapacityBytes = compressed;
        _free = new Stack<Frame>(count);
        for (var i = 0; i < count; i++)
        {
            _free.Push(new Frame(this, capacityBytes, compressed));
        }

        _available = new SemaphoreSlim(count, count);
    }

    public int Count { get; }

    public int CapacityBytes { get; }

    /// <summary>Bytes of each frame's compressed buffer.</summary>
    public int CompressedCapacityBytes { get; }

    /// <summary>
    /// A quarter of the raw frame, at least 64 KiB, so the pool grows by a quarter rather than doubling. The station's
    /// 640×480 JPEGs are about 40 KB, and 94 KB re-encoded at quality 100, against 230 KB of room; only near-noise
    /// (pure sensor noise at quality 90 is 275 KB) overflows, and such a frame is decoded but not kept.
    /// </summary>
    public static int DefaultCompressedCapacity(int capacityBytes) => Math.Max(64 * 1024, capacityBytes / 4);

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

        bool taken;
        lock (_free)
        {
            taken = _free.TryPop(out frame!);
        }

        if (!taken)
        {
            _available.Release();
            throw new InvalidOperationException("Frame pool bookkeeping is inconsistent: a permit was free but no frame was");
        }

        frame.ResetForRent();
        return true;
    }

    internal void Return(Frame frame)
    {
        lock (_free)
        {
            _free.Push(frame);
        }

        _available.Release();
    }

    public void Dispose() => _available.Dispose();
}
