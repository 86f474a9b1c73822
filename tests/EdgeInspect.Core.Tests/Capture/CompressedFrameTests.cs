using System.Runtime.InteropServices;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Tests.Capture;

/// <summary>The encoded bytes a frame keeps beside its pixels (<see cref="Frame.Compressed"/>), and their lifetime in the pool.</summary>
public sealed class CompressedFrameTests
{
    [Fact]
    public void A_Frame_Rented_Again_Carries_No_Compressed_Bytes_From_Its_Last_Use()
    {
        using var pool = new FramePool(1, 64 * 48 * 3);
        Assert.True(pool.TryRent(out var frame));
        "\xFF\xD8\xFF"u8.CopyTo(frame.CompressedBuffer);
        frame.SetCompressed(3, CompressedFormat.Jpeg);
        frame.Release();

        Assert.True(pool.TryRent(out var again));

        Assert.Same(frame, again);
        Assert.Equal((CompressedFormat.None, 0), (again.CompressedFormat, again.Compressed.Length));
    }

    [Fact]
    public void Compressed_Is_A_View_Of_The_Pooled_Buffer_Not_A_Copy()
    {
        using var pool = new FramePool(1, 64 * 48 * 3);
        Assert.True(pool.TryRent(out var frame));
        frame.CompressedBuffer[0] = 0xFF;
        frame.SetCompressed(10, CompressedFormat.Jpeg);

        Assert.True(MemoryMarshal.TryGetArray(frame.Compressed, out var segment));
        Assert.Same(frame.CompressedBuffer, segment.Array);
        Assert.Equal((0, 10), (segment.Offset, segment.Count));
        frame.Release();
    }

    [Theory]
    [InlineData(640 * 480 * 3, 640 * 480 * 3 / 4)]
    [InlineData(1920 * 1080 * 3, 1920 * 1080 * 3 / 4)]
    [InlineData(64 * 48 * 3, 64 * 1024)]
    public void The_Pool_Gives_Each_Frame_A_Quarter_Of_A_Frame_For_Its_Compressed_Bytes_And_At_Least_64_KiB(int frameBytes, int expected)
    {
        using var pool = new FramePool(2, frameBytes);
        Assert.True(pool.TryRent(out var frame));

        Assert.Equal(expected, pool.CompressedCapacityBytes);
        Assert.Equal(expected, frame.CompressedBuffer.Length);
        frame.Release();
    }

    [Fact]
    public void A_Pool_Can_Keep_No_Compressed_Bytes_At_All()
    {
        using var pool = new FramePool(1, 64 * 48 * 3, compressedCapacityBytes: 0);
        Assert.True(pool.TryRent(out var frame));

        Assert.Empty(frame.CompressedBuffer);
        Assert.Throws<ArgumentOutOfRangeException>(() => frame.SetCompressed(1, CompressedFormat.Jpeg));
        frame.Release();
    }

    [Theory]
    [InlineData(0, CompressedFormat.Jpeg)]
    [InlineData(-1, CompressedFormat.Jpeg)]
    [InlineData(65 * 1024, CompressedFormat.Png)]
    [InlineData(5, CompressedFormat.None)]
    public void SetCompressed_Refuses_A_Length_That_Is_Not_In_The_Buffer(int length, CompressedFormat format)
    {
        var frame = Frame.CreateUnpooled(64, 48, compressedCapacityBytes: 64 * 1024);

        Assert.Throws<ArgumentOutOfRangeException>(() => frame.SetCompressed(length, format));
        Assert.Equal((CompressedFormat.None, 0), (frame.CompressedFormat, frame.Compressed.Length));
    }

    [Fact]
    public void ClearCompressed_Leaves_The_Frame_Without_An_Encoded_Form()
    {
        var frame = Frame.CreateUnpooled(64, 48);
        frame.SetCompressed(100, CompressedFormat.Jpeg);

        frame.ClearCompressed();

        Assert.Equal((CompressedFormat.None, 0), (frame.CompressedFormat, frame.Compressed.Length));
    }
}
