using EdgeInspect.Core.Frames;

namespace EdgeInspect.Worker.Pipeline.Camera;

/// <summary>
/// The bounded queue between capture and inference, with the station's overload policy:
/// a free-run frame that finds the queue full pushes out the oldest queued free-run frame (counted, released to
/// the pool); a triggered frame is a part on the line and is never dropped: its writer waits for room instead.
/// If the queue is full of parts, a new free-run frame is the one let go.
/// A lossless queue (a replayed file or folder, where every frame is a part) makes every writer wait instead.
/// </summary>
/// <remarks>
/// Ownership: a frame written here belongs to the queue until <see cref="TryTake"/> hands it to the reader; a
/// dropped frame is released here. Writers and the reader are dedicated threads, so both block; nothing allocates.
/// </remarks>
public sealed class FrameQueue
{
    private readonly Frame?[] _items;
    private readonly object _gate = new(); // a Monitor, because writers and the reader wait on it
    private int _head;
    private int _count;
    private bool _completed;
    private long _dropped;
    private int _waitingWriters;

    public FrameQueue(int capacity, bool lossless = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new Frame?[capacity];
        Lossless = lossless;
    }

    /// <summary>Every frame waits for room; none is dropped (replayed sources).</summary>
    public bool Lossless { get; }

    public int Capacity => _items.Length;

    /// <summary>Frames waiting for the inference stage.</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Free-run frames let go because inference fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Writers waiting for room right now (triggered parts, or any frame of a lossless queue).</summary>
    public int WaitingWriters => Volatile.Read(ref _waitingWriters);

    /// <summary>Queues a frame. Free-run frames never block; triggered frames wait for room or cancellation.</summary>
    /// <returns>False when the frame was not queued (dropped, completed or cancelled); it has been released.</returns>
    public bool Write(Frame frame, CancellationToken cancellationToken)
    {
        Frame? evicted = null;
        var queued = false;
        lock (_gate)
        {
            if (!_completed && _count == _items.Length && (Lossless || frame.Trigger == FrameTrigger.Triggered) && !cancellationToken.IsCancellationRequested)
            {
                _waitingWriters++;
                while (!_completed && _count == _items.Length && !cancellationToken.IsCancellationRequested)
                {
                    // Wake up now and then to notice cancellation.
                    Monitor.Wait(_gate, 50);
                }

                _waitingWriters--;
            }

            if (!_completed && !cancellationToken.IsCancellationRequested)
            {
                if (_count == _items.Length)
                {
                    evicted = RemoveOldestFreeRun();
                }

                if (_count < _items.Length)
                {
                    _items[(_head + _count) % _items.Length] = frame;
                    _count++;
                    queued = true;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        if (evicted is not null)
        {
            Interlocked.Increment(ref _dropped);
            evicted.Release();
        }

        if (!queued)
        {
            if (frame.Trigger == FrameTrigger.FreeRun && !_completed && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _dropped);
            }

            frame.Release();
        }

        return queued;
    }

    /// <summary>Takes the oldest frame, waiting up to <paramref name="timeout"/>. The caller owns (and releases) it.</summary>
    /// <returns>False on timeout, cancellation, or when the queue is completed and empty.</returns>
    public bool TryTake(TimeSpan timeout, CancellationToken cancellationToken, out Frame frame)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (_count == 0)
            {
                var left = deadline - Environment.TickCount64;
                if (_completed || left <= 0 || cancellationToken.IsCancellationRequested)
                {
                    frame = null!;
                    return false;
                }

                Monitor.Wait(_gate, (int)Math.Min(left, 50));
            }

            frame = _items[_head]!;
            _items[_head] = null;
            _head = (_head + 1) % _items.Length;
            _count--;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>True once <see cref="Complete"/> was called and every queued frame was taken.</summary>
    public bool IsDrained
    {
        get
        {
            lock (_gate)
            {
                return _completed && _count == 0;
            }
        }
    }

    /// <summary>No more frames will come; the reader takes what is queued, then sees the queue drained.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private Frame? RemoveOldestFreeRun()
    {
        for (var i = 0; i < _count; i++)
        {
            var index = (_head + i) % _items.Length;
            if (_items[index]!.Trigger != FrameTrigger.FreeRun)
            {
                continue;
            }

            var victim = _items[index];
            for (var j = i; j < _count - 1; j++)
            {
                _items[(_head + j) % _items.Length] = _items[(_head + j + 1) % _items.Length];
            }

            _items[(_head + _count - 1) % _items.Length] = null;
            _count--;
            return victim;
        }

        return null;
    }
}
