using System.Collections.Concurrent;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.OpenCv;

/// <summary>
/// JPEG sources (image folders, MJPG video) through TurboJPEG: the same pixels as OpenCV's decode, the original bytes
/// kept beside each frame, damaged frames counted and skipped, and no managed allocation per frame.
/// </summary>
[Trait("Category", "Integration")]
public sealed class JpegCaptureTests : IDisposable
{
    private const int FrameBytes = 640 * 480 * 3;

    private static readonly string[] Holdout = Enumerable.Range(0, 24).Select(TestVideos.HoldoutFrame).ToArray();

    private readonly TempDirectory _folder = new("edgeinspect-jpeg");
    private readonly OpenCvFrameSourceFactory _factory = new();

    public JpegCaptureTests() => OpenCvInfo.SetLogLevel(2);

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("holdout")]
    [InlineData("reference")]
    [InlineData("dim")]
    [InlineData("blur")]
    public void A_Folder_Of_Test_Frames_Decodes_Each_Like_OpenCv_And_Keeps_The_File_As_Its_Compressed_Bytes(string set)
    {
        using var source = ImageFolderFrameSource.Open(Path.Combine(RepoPaths.PhoneSet(set), "frames"));
        var frame = Frame.CreateUnpooled(640, 480);

        foreach (var path in source.Files)
        {
            Assert.Equal(FrameReadResult.Frame, source.Read(frame));
            Assert.True(frame.Pixels.SequenceEqual(CvImage.Read(path).Pixels), $"{set}/{Path.GetFileName(path)} differs from cv::imread");
            Assert.Equal(CompressedFormat.Jpeg, frame.CompressedFormat);
            Assert.True(frame.Compressed.Span.SequenceEqual(File.ReadAllBytes(path)), $"{set}/{Path.GetFileName(path)}: the kept bytes are not the file");
        }

        Assert.Equal(FrameReadResult.EndOfStream, source.Read(frame));
    }

    [Fact]
    public void An_Mjpg_Avi_Is_Read_As_Its_Own_Jpeg_Packets_Decoded_Like_OpenCv()
    {
        var video = _folder.File("packets.avi");
        MjpgAvi.Write(video, 640, 480, 25, Holdout.Select(File.ReadAllBytes).ToArray());
        using var source = _factory.Open(Options($"file:{video}"));
        var frame = Frame.CreateUnpooled(640, 480);

        Assert.Contains("MJPG decoded by TurboJPEG", source.Description);
        foreach (var path in Holdout)
        {
            Assert.Equal(FrameReadResult.Frame, source.Read(frame));
            Assert.True(frame.Compressed.Span.SequenceEqual(File.ReadAllBytes(path)), $"frame from {Path.GetFileName(path)}: the kept bytes are not the packet");
            Assert.True(frame.Pixels.SequenceEqual(CvImage.Read(path).Pixels), $"frame from {Path.GetFileName(path)} differs from cv::imread");
        }

        Assert.Equal(FrameReadResult.EndOfStream, source.Read(frame));
    }

    [Fact]
    public void An_Mjpg_Avi_Written_By_FFmpeg_Decodes_As_Cv_Imdecode_Decodes_Its_Packets()
    {
        var video = _folder.File("ffmpeg.avi");
        using (var writer = CvVideoWriter.Open(video, "MJPG", 25, 640, 480))
        {
            foreach (var path in Holdout.Take(8))
            {
                writer.Write(CvImage.Read(path));
            }
        }

        using var source = _factory.Open(Options($"file:{video}"));
        var frame = Frame.CreateUnpooled(640, 480);
        var reference = Frame.CreateUnpooled(640, 480);
        var read = 0;

        while (source.Read(frame) == FrameReadResult.Frame)
        {
            Assert.Equal(CompressedFormat.Jpeg, frame.CompressedFormat);
            CvImage.Decode(frame.Compressed.Span, reference);
            Assert.True(frame.Pixels.SequenceEqual(reference.Pixels), $"frame {read} differs from cv::imdecode of its packet");
            read++;
        }

        Assert.Equal(8, read);
    }

    [Fact]
    public void A_Video_That_Is_Not_Mjpg_Keeps_OpenCvs_Decode_And_Carries_No_Compressed_Bytes()
    {
        var video = _folder.File("lossless.mkv");
        var written = Holdout.Take(4).Select(CvImage.Read).ToArray();
        using (var writer = CvVideoWriter.Open(video, "FFV1", 25, 640, 480))
        {
            foreach (var frame in written)
            {
                writer.Write(frame);
            }
        }

        using var source = _factory.Open(Options($"file:{video}"));
        // A frame that held a JPEG before must not carry it into a frame from this source.
        var reused = Frame.CreateUnpooled(640, 480);
        reused.CompressedBuffer[0] = 0xFF;
        reused.SetCompressed(1, CompressedFormat.Jpeg);

        Assert.DoesNotContain("TurboJPEG", source.Description);
        foreach (var expected in written)
        {
            Assert.Equal(FrameReadResult.Frame, source.Read(reused));
            Assert.True(reused.Pixels.SequenceEqual(expected.Pixels));
            Assert.Equal((CompressedFormat.None, 0), (reused.CompressedFormat, reused.Compressed.Length));
        }
    }

    [Fact]
    public void Truncated_Bit_Flipped_And_Empty_Jpegs_In_A_Folder_Are_Counted_And_Skipped()
    {
        var (files, good) = DamagedSequence();
        for (var i = 0; i < files.Count; i++)
        {
            File.WriteAllBytes(_folder.File($"{i:00}.jpg"), files[i]);
        }

        var (delivered, events, counters) = Capture($"folder:{_folder.Path}");

        Assert.Equal(good, delivered);
        Assert.Equal(4, counters.CorruptSkipped);
        Assert.Equal(4, events.Count(e => e.Kind == CaptureEventKind.FrameCorrupt));
        Assert.Equal(0, counters.SourceLosses);
    }

    [Fact]
    public void Truncated_Bit_Flipped_And_Empty_Frames_In_An_Mjpg_Avi_Are_Counted_And_Skipped()
    {
        var (frames, good) = DamagedSequence();
        var video = _folder.File("damaged.avi");
        MjpgAvi.Write(video, 640, 480, 25, frames);

        var (delivered, events, counters) = Capture($"file:{video}");

        Assert.Equal(good, delivered);
        // An empty '00dc' chunk is AVI's way of saying "dropped frame, repeat the last": FFmpeg's demuxer passes no
        // packet for it, so it never reaches the shim. The truncated and the two bit-flipped frames are counted.
        Assert.Equal(3, counters.CorruptSkipped);
        Assert.Equal(3, events.Count(e => e.Kind == CaptureEventKind.FrameCorrupt));
        Assert.Equal(0, counters.SourceLosses);
    }

    [Fact]
    public void A_Jpeg_Larger_Than_The_Compressed_Buffer_Is_Still_Decoded_But_Not_Kept()
    {
        File.Copy(Holdout[0], _folder.File("0.jpg"));
        using var source = ImageFolderFrameSource.Open(_folder.Path);
        var frame = Frame.CreateUnpooled(640, 480, compressedCapacityBytes: 1000);

        Assert.Equal(FrameReadResult.Frame, source.Read(frame));

        Assert.True(frame.Pixels.SequenceEqual(CvImage.Read(Holdout[0]).Pixels));
        Assert.Equal((CompressedFormat.None, 0), (frame.CompressedFormat, frame.Compressed.Length));
    }

    [Fact]
    public void A_Png_In_A_Folder_Keeps_OpenCvs_Decode_And_Its_Own_Bytes()
    {
        const int Width = 64, Height = 48;
        var bgr = new byte[Width * Height * 3];
        for (var i = 0; i < bgr.Length; i++)
        {
            bgr[i] = (byte)(i * 7 % 251);
        }

        var png = TestImages.Png(Width, Height, bgr);
        File.WriteAllBytes(_folder.File("part.png"), png);
        using var source = ImageFolderFrameSource.Open(_folder.Path);
        var frame = Frame.CreateUnpooled(640, 480);

        Assert.Equal(FrameReadResult.Frame, source.Read(frame));

        Assert.Equal((Width, Height), (frame.Width, frame.Height));
        Assert.True(frame.Pixels.SequenceEqual(bgr), "PNG is lossless: the pixels are the ones written");
        Assert.Equal(CompressedFormat.Png, frame.CompressedFormat);
        Assert.True(frame.Compressed.Span.SequenceEqual(png));
    }

    [Fact]
    public void Steady_State_Capture_From_A_Jpeg_Folder_Allocates_No_Managed_Memory_Per_Frame()
    {
        foreach (var path in Holdout)
        {
            File.Copy(path, _folder.File(Path.GetFileName(path)));
        }

        AssertNoAllocationPerFrame($"folder:{_folder.Path}");
    }

    [Fact]
    public void Steady_State_Capture_From_An_Mjpg_Avi_Allocates_No_Managed_Memory_Per_Frame()
    {
        var video = _folder.File("steady.avi");
        MjpgAvi.Write(video, 640, 480, 25, Holdout.Select(File.ReadAllBytes).ToArray());

        AssertNoAllocationPerFrame($"file:{video}");
    }

    /// <summary>Good JPEGs with, between them, one cut in half, one with a flipped marker bit, an empty one and one with a flipped frame header bit.</summary>
    private static (List<byte[]> Frames, List<byte[]> Good) DamagedSequence()
    {
        var good = Holdout.Take(5).Select(File.ReadAllBytes).ToList();
        var damaged = Holdout.Skip(5).Take(4).Select(File.ReadAllBytes).ToArray();
        var frames = new List<byte[]>
        {
            good[0],
            TestImages.Truncated(damaged[0], damaged[0].Length / 2),
            good[1],
            TestImages.MarkerBitFlipped(damaged[1]),
            good[2],
            Array.Empty<byte>(),
            good[3],
            TestImages.FrameHeaderBitFlipped(damaged[3]),
            good[4],
        };
        return (frames, good);
    }

    /// <summary>Runs a capture loop to the end of the source; returns each delivered frame's compressed bytes, after checking its pixels.</summary>
    private (List<byte[]> Delivered, List<CaptureEvent> Events, CaptureCounters Counters) Capture(string uri)
    {
        using var pool = new FramePool(3, FrameBytes);
        var delivered = new List<byte[]>();
        var events = new List<CaptureEvent>();
        var reference = Frame.CreateUnpooled(640, 480);
        using var loop = new CaptureLoop(Options(uri), _factory, pool, TimeProvider.System, frame =>
        {
            CvImage.Decode(frame.Compressed.Span, reference);
            Assert.True(frame.Pixels.SequenceEqual(reference.Pixels), $"frame {frame.Seq} differs from cv::imdecode of its bytes");
            delivered.Add(frame.Compressed.ToArray());
            frame.Release();
        }, events.Add);

        loop.Run(CancellationToken.None);
        return (delivered, events, loop.Counters);
    }

    private void AssertNoAllocationPerFrame(string uri)
    {
        using var pool = new FramePool(3, FrameBytes);
        long atStart = 0, atEnd = 0;
        const long From = 6, To = 22;
        var kept = new ConcurrentBag<int>();
        using var loop = new CaptureLoop(Options(uri), _factory, pool, TimeProvider.System, frame =>
        {
            if (frame.Seq == From)
            {
                atStart = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (frame.Seq == To)
            {
                atEnd = GC.GetAllocatedBytesForCurrentThread();
                kept.Add(frame.Compressed.Length);
            }

            frame.Release();
        });

        loop.Run(CancellationToken.None);

        Assert.Equal(24, loop.Counters.FramesDelivered);
        Assert.True(atStart > 0);
        Assert.True(kept.Single() > 0, "frames carried no compressed bytes: the TurboJPEG path was not taken");
        Assert.Equal(0, atEnd - atStart);
    }

    private static CaptureOptions Options(string source) => new()
    {
        CameraId = "line3-cam",
        Source = source,
        EndOfStream = EndOfStreamAction.Stop,
        // Identical pictures are not the point here.
        FrozenFrameCount = 1000,
    };
}
