using System.Runtime.CompilerServices;

namespace EdgeInspect.Core.Frames;

/// <summary>How a frame came to be captured.</summary>
public enum FrameTrigger
{
    /// <summary>Free-running capture at a target rate. Under overload such frames may be dropped (oldest first).</summary>
    FreeRun,

    /// <summary>One frame per part (software trigger or part-present input). Never dropped.</summary>
    Triggered,
}

/// <summary>Conditions of a frame worth flagging, set by capture and input statistics.</summary>
[Flags]
public enum FrameFlags
{
    None = 0,
    AllBlack = 1,
    Saturated = 2,
}

/// <summary>What the encoded bytes kept beside a frame are. Mirrors <c>eicv_format</c> in the shim's eicv.h; append only.</summary>
public enum CompressedFormat
{
    /// <summary>No encoded bytes: the source gave pixels (FFV1, H.264, a raw camera format), or they did not fit.</summary>
    None = 0,

    /// <summary>A JPEG (a .jpg file, one MJPG frame), exactly as the source delivered it.</summary>
    Jpeg = 1,

    /// <summary>A PNG file, exactly as read.</summary>
    Png = 2,
}

/// <summary>
/// One camera frame in a pooled, pinned buffer: 8-bit BGR, rows of <see cref="Stride"/> bytes, and beside it, when
/// the source delivered one, the frame's encoded form (<see cref="Compressed"/>).
/// </summary>
/// <remarks>
/// Lifetime: a frame belongs to its <see cref="FramePool"/>. Whoever rents it owns one reference; every stage that
/// keeps it beyond its own call takes another with <see cref="AddRef"/> and gives it back with <see cref="Release"/>.
/// The last release returns it to the pool, after which its pixels, its compressed bytes and its metadata may be
/// overwritten at any time. Both buffers are allocated pinned (and uninitialized), so native code may write into them
/// for the duration of a call.
/// </remarks>
public sealed class Frame
{
    private readonly FramePool? _pool;
    private int _references;
    private int _compressedLength;

    internal Frame(FramePool? pool, int capacityBytes, int compressedCapacityBytes)
    {
        _pool = pool;
        // Uninitialized: every use writes before it reads, and a frame the pool never rents stays untouched (not resident).
        Buffer = GC.AllocateUninitializedArray<byte>(capacityBytes, pinned: true);
        CompressedBuffer = GC.AllocateUninitializedArray<byte>(compressedCapacityBytes, pinned: true);
    }

    /// <summary>A standalone frame, not pooled (tests, one-off tools). <see cref="Release"/> does nothing.</summary>
    /// <param name="width">Pixels per row.</param>
    /// <param name="height">Rows.</param>
    /// <param name="compressedCapacityBytes">Room for the encoded frame; by default <see cref="FramePool.DefaultCompressedCapacity"/>.</param>
    public static Frame CreateUnpooled(int width, int height, int? compressedCapacityBytes = null)
    {
        var bytes = checked(width * height * 3);
        var compressed = compressedCapacityBytes ?? FramePool.DefaultCompressedCapacity(bytes);
        ArgumentOutOfRangeException.ThrowIfNegative(compressed, nameof(compressedCapacityBytes));
        var frame = new Frame(null, bytes, compressed);
        frame.SetGeometry(width, height, width * 3);
        return frame;
    }

    /// <summary>The whole pinned buffer; the image is its first <see cref="Stride"/> × <see cref="Height"/> bytes.</summary>
    public byte[] Buffer { get; }

    /// <summary>
    /// The whole pinned buffer for the encoded frame, for sources to read into; the encoded frame is its first
    /// <see cref="Compressed"/>.Length bytes once <see cref="SetCompressed"/> says so.
    /// </summary>
    public byte[] CompressedBuffer { get; }

    /// <summary>
    /// The frame as the source delivered it before decoding (a JPEG file, an MJPG packet), byte for byte, so a saved
    /// sample can be the original with no re-encode. Empty when <see cref="CompressedFormat"/> is
    /// <see cref="Frames.CompressedFormat.None"/>.
    /// </summary>
    /// <remarks>Valid while the frame is held (between rent or <see cref="AddRef"/> and the matching
    /// <see cref="Release"/>): it is a view of the pooled buffer, not a copy. Copy it to keep it longer.</remarks>
    public ReadOnlyMemory<byte> Compressed => new(CompressedBuffer, 0, _compressedLength);

    /// <summary>What <see cref="Compressed"/> holds.</summary>
    public CompressedFormat CompressedFormat { get; private set; }

    public int Width { get; private set; }

    public int Height { get; private set; }

    /// <summary>Bytes per row (at least Width × 3).</summary>
    public int Stride { get; private set; }

    public int Channels => 3;

    /// <summary>The image bytes (BGR, row-major).</summary>
    public Span<byte> Pixels => Buffer.AsSpan(0, Stride * Height);

    /// <summary>Identifies the camera that produced the frame (from the station config).</summary>
    public string CameraId { get; set; } = "";

    /// <summary>Per-camera sequence number, increasing by one per delivered frame.</summary>
    public long Seq { get; set; }

    /// <summary>Monotonic capture time, in <see cref="TimeProvider.GetTimestamp"/> units.</summary>
    public long MonotonicTimestamp { get; set; }

    /// <summary>Wall-clock capture time (UTC).</summary>
    public DateTimeOffset UtcTimestamp { get; set; }

    /// <summary>The camera's read-back settings when this frame was captured.</summary>
    public CameraSettings Settings { get; set; }

    public FrameTrigger Trigger { get; set; }

    /// <summary>The trigger's part number for triggered frames; 0 for free-run.</summary>
    public long TriggerId { get; set; }

    public FrameFlags Flags { get; set; }

    /// <summary>Sets the image geometry; the buffer must hold Stride × Height bytes.</summary>
    public void SetGeometry(int width, int height, int stride)
    {
        if (width <= 0 || height <= 0 || stride < width * 3 || (long)stride * height > Buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height} (stride {stride}) does not fit a {Buffer.Length}-byte frame buffer");
        }

        Width = width;
        Height = height;
        Stride = stride;
    }

    /// <summary>Says that the first <paramref name="length"/> bytes of <see cref="CompressedBuffer"/> are this frame, encoded as <paramref name="format"/>.</summary>
    public void SetCompressed(int length, CompressedFormat format)
    {
        if (format == CompressedFormat.None ? length != 0 : length <= 0 || length > CompressedBuffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"{length} bytes of {format} do not fit a {CompressedBuffer.Length}-byte compressed buffer");
        }

        _compressedLength = length;
        CompressedFormat = format;
    }

    /// <summary>Says that this frame has no encoded form (a source that gives pixels, or one too large to keep).</summary>
    public void ClearCompressed()
    {
        _compressedLength = 0;
        CompressedFormat = CompressedFormat.None;
    }

    /// <summary>Takes one more reference; pair it with <see cref="Release"/>.</summary>
    public Frame AddRef()
    {
        Interlocked.Increment(ref _references);
        return this;
    }

    /// <summary>Gives back one reference; the last one returns the frame to its pool.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            _pool?.Return(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException($"Frame {CameraId}#{Seq} released more times than it was referenced");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ResetForRent()
    {
        _references = 1;
        ClearCompressed();
        Flags = FrameFlags.None;
        TriggerId = 0;
        Trigger = FrameTrigger.FreeRun;
    }
}
