using System.Collections.Concurrent;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.OpenCv;

/// <summary>The capture loop over real OpenCV sources: files and folders the tests write themselves.</summary>
[Trait("Category", "Integration")]
public sealed class OpenCvCaptureTests(TestVideos videos) : IClassFixture<TestVideos>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly OpenCvFrameSourceFactory _factory = new();

    [Fact]
    public void Frames_From_A_File_Carry_Sequence_Timestamps_And_Read_Back_Settings()
    {
        var options = Options($"file:{videos.Ffv1}", EndOfStreamAction.Stop);
        using var pool = new FramePool(4, 640 * 480 * 3);
        var seen = new List<(long Seq, long Mono, DateTimeOffset Utc, CameraSettings Settings, string Camera)>();
        using var loop = new CaptureLoop(options, _factory, pool, TimeProvider.System, frame =>
        {
            seen.Add((frame.Seq, frame.MonotonicTimestamp, frame.UtcTimestamp, frame.Settings, frame.CameraId));
            frame.Release();
        });

        loop.Run(CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, TestVideos.FrameCount).Select(i => (long)i), seen.Select(s => s.Seq));
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Second.Mono >= p.First.Mono), "monotonic timestamps go backwards");
        Assert.All(seen, s => Assert.InRange(s.Utc, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow));
        Assert.All(seen, s => Assert.Equal((640, 480, 25.0, "line3-cam"), (s.Settings.Width, s.Settings.Height, Math.Round(s.Settings.Fps, 3), s.Camera)));
        Assert.True(double.IsNaN(seen[0].Settings.Exposure), "a file cannot report exposure");
        Assert.Equal(TestVideos.FrameCount, loop.Counters.FramesDelivered);
        Assert.Equal(4, pool.Available);
    }

    [Fact]
    public void Reads_An_Image_Folder_In_Ordinal_Name_Order()
    {
        using var folder = new TempDirectory("edgeinspect-folder");
        // Ordinal order: "0010.png" < "002.jpg" < "1.jpg" < "b.jpeg"; numeric or natural order would differ.
        string[] names = ["1.jpg", "0010.png", "b.jpeg", "002.jpg"];
        for (var i = 0; i < names.Length; i++)
        {
            File.Copy(TestVideos.HoldoutFrame(i), folder.File(names[i]));
        }

        File.WriteAllText(folder.File("labels.csv"), "not an image");
        var expected = new[] { "0010.png", "002.jpg", "1.jpg", "b.jpeg" }.Select(n => CvImage.Read(TestVideos.HoldoutFrame(Array.IndexOf(names, n)))).ToList();

        using var source = ImageFolderFrameSource.Open(folder.Path);
        var frame = Frame.CreateUnpooled(640, 480);

        Assert.Equal(["0010.png", "002.jpg", "1.jpg", "b.jpeg"], source.Files.Select(Path.GetFileName));
        foreach (var want in expected)
        {
            Assert.Equal(FrameReadResult.Frame, source.Read(frame));
            Assert.True(frame.Pixels.SequenceEqual(want.Pixels));
        }

        Assert.Equal(FrameReadResult.EndOfStream, source.Read(frame));
        Assert.Equal((640, 480), (source.Settings.Width, source.Settings.Height));
    }

    [Fact]
    public void A_Looping_Image_Folder_Starts_Again_From_The_First_Image()
    {
        using var folder = new TempDirectory("edgeinspect-folder");
        for (var i = 0; i < 3; i++)
        {
            File.Copy(TestVideos.HoldoutFrame(i), folder.File($"{i}.jpg"));
        }

        var options = Options($"folder:{folder.Path}", EndOfStreamAction.Loop);
        using var pool = new FramePool(2, 640 * 480 * 3);
        using var stop = new CancellationTokenSource();
        var firstBytes = new List<byte>();
        var events = new ConcurrentQueue<CaptureEvent>();
        using var loop = new CaptureLoop(options, _factory, pool, TimeProvider.System, frame =>
        {
            firstBytes.Add(frame.Pixels[1000]);
            frame.Release();
            if (firstBytes.Count == 7)
            {
                stop.Cancel();
            }
        }, events.Enqueue);

        loop.Run(stop.Token);

        Assert.Equal(firstBytes.Take(3), firstBytes.Skip(3).Take(3));
        Assert.Equal(2, events.Count(e => e.Kind == CaptureEventKind.StreamEnded));
    }

    [Fact]
    public void A_Source_File_Removed_Mid_Run_Raises_Camera_Down_And_Capture_Resumes_When_It_Is_Restored()
    {
        var path = Path.Combine(videos.Folder, $"removed-{Guid.NewGuid():N}.mkv");
        File.Copy(videos.Ffv1, path);
        var options = Options($"file:{path}", EndOfStreamAction.Reconnect);
        options.CameraDownAfter = TimeSpan.FromMilliseconds(150);
        options.ReconnectInitialDelay = TimeSpan.FromMilliseconds(10);
        options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(40);
        using var pool = new FramePool(4, 640 * 480 * 3);
        using var stop = new CancellationTokenSource();
        var events = new ConcurrentQueue<CaptureEvent>();
        long lastSeq = 0;
        using var loop = new CaptureLoop(options, _factory, pool, TimeProvider.System, frame =>
        {
            Assert.True(frame.Seq > Interlocked.Read(ref lastSeq));
            Interlocked.Exchange(ref lastSeq, frame.Seq);
            frame.Release();
        }, events.Enqueue);
        var thread = new Thread(() => loop.Run(stop.Token)) { IsBackground = true };
        thread.Start();

        try
        {
            WaitFor(() => Interlocked.Read(ref lastSeq) >= 5, "first frames");
            File.Delete(path);
            WaitFor(() => events.Any(e => e.Kind == CaptureEventKind.CameraDown), "camera-down event");
            var beforeRestore = Interlocked.Read(ref lastSeq);
            File.Copy(videos.Ffv1, path);
            WaitFor(() => events.Any(e => e.Kind == CaptureEventKind.CameraRecovered), "recovery event");
            WaitFor(() => Interlocked.Read(ref lastSeq) >= beforeRestore + 5, "frames after recovery");
        }
        finally
        {
            stop.Cancel();
            Assert.True(thread.Join(Patience), "capture did not stop when cancelled");
        }

        var kinds = events.Select(e => e.Kind).ToList();
        var down = kinds.IndexOf(CaptureEventKind.CameraDown);
        Assert.True(kinds.IndexOf(CaptureEventKind.SourceOpenFailed) < down, "the failed reopen comes before camera-down");
        Assert.True(kinds.IndexOf(CaptureEventKind.CameraRecovered) > down);
        Assert.Contains("does not exist", events.First(e => e.Kind == CaptureEventKind.SourceOpenFailed).Message);
        var counters = loop.Counters;
        Assert.Equal(1, counters.CameraDownAlerts);
        Assert.True(counters.Reconnects >= 1);
        Assert.True(counters.OpenFailures >= 2, "backoff retried while the file was away");
        Assert.Equal(CaptureEventKind.Stopped, kinds[^1]);
    }

    [Fact]
    public void A_Frozen_Stream_Is_Detected_And_A_Moving_One_Is_Not()
    {
        // MJPG: the same picture encodes and decodes to the same bytes, and it is far quicker than FFV1.
        var frozen = videos.Write("frozen.avi", "MJPG", videos.Frames.Take(5).Concat(Enumerable.Repeat(videos.Frames[5], 12)));
        var frozenEvents = RunToEnd(frozen, frozenFrameCount: 8);
        var movingEvents = RunToEnd(videos.Mjpg, frozenFrameCount: 8);

        var alert = Assert.Single(frozenEvents, e => e.Kind == CaptureEventKind.FrozenStream);
        Assert.Equal(5 + 8, alert.LastSeq);
        Assert.True(alert.IsAlert);
        Assert.DoesNotContain(movingEvents, e => e.Kind == CaptureEventKind.FrozenStream);
    }

    [Fact]
    public void Steady_State_Capture_From_A_File_Allocates_No_Managed_Memory_Per_Frame()
    {
        var options = Options($"file:{videos.Ffv1}", EndOfStreamAction.Stop);
        using var pool = new FramePool(3, 640 * 480 * 3);
        long atStart = 0, atEnd = 0;
        const long From = 6, To = TestVideos.FrameCount - 2;
        using var loop = new CaptureLoop(options, _factory, pool, TimeProvider.System, frame =>
        {
            if (frame.Seq == From)
            {
                atStart = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (frame.Seq == To)
            {
                atEnd = GC.GetAllocatedBytesForCurrentThread();
            }

            frame.Release();
        });

        loop.Run(CancellationToken.None);

        Assert.Equal(TestVideos.FrameCount, loop.Counters.FramesDelivered);
        Assert.True(atStart > 0);
        Assert.Equal(0, atEnd - atStart);
    }

    [Fact]
    public void An_Unknown_Device_Path_Is_A_Clear_Error_And_The_Loop_Reports_It_Without_Crashing()
    {
        var options = Options("/dev/video97", EndOfStreamAction.Reconnect);
        options.CameraDownAfter = TimeSpan.FromMilliseconds(30);
        options.ReconnectInitialDelay = TimeSpan.FromMilliseconds(10);
        options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(20);

        var e = Assert.Throws<CaptureSourceException>(() => _factory.Open(options));
        Assert.Contains("/dev/video97", e.Message);

        var events = RunFor(options, TimeSpan.FromMilliseconds(300));
        Assert.Contains(events, ev => ev.Kind == CaptureEventKind.SourceOpenFailed && ev.Message.Contains("/dev/video97"));
        Assert.Contains(events, ev => ev.Kind == CaptureEventKind.CameraDown);
    }

    [Fact]
    public void An_Unknown_Device_Index_Is_An_Open_Failure_Not_A_Crash()
    {
        var e = Assert.Throws<CaptureSourceException>(() => _factory.Open(Options("v4l2:63", EndOfStreamAction.Reconnect)));

        Assert.Contains("v4l2:63", e.Message);
    }

    [Fact]
    public void A_Refused_Stream_Is_A_Clear_Open_Error_Within_The_Timeout()
    {
        var options = Options("rtsp://127.0.0.1:1/line3", EndOfStreamAction.Reconnect);
        options.ReadTimeout = TimeSpan.FromSeconds(2);

        var e = Assert.Throws<CaptureSourceException>(() => _factory.Open(options));

        Assert.Contains("rtsp://127.0.0.1:1/line3", e.Message);
    }

    [Fact]
    public void A_GStreamer_Pipeline_With_An_Unknown_Element_Is_A_Clear_Open_Error()
    {
        var e = Assert.Throws<CaptureSourceException>(() => _factory.Open(Options("gst:nosuchelement ! appsink", EndOfStreamAction.Reconnect)));

        Assert.Contains("nosuchelement", e.Message);
    }

    [Fact]
    public void An_Unsupported_Resolution_Falls_Back_To_What_The_Source_Gives_With_An_Event()
    {
        var options = Options($"file:{videos.Ffv1}", EndOfStreamAction.Stop);
        options.Width = 1234;
        options.Height = 777;
        using var pool = new FramePool(2, 640 * 480 * 3);
        var events = new List<CaptureEvent>();
        var sizes = new List<(int, int, int, int)>();
        using var loop = new CaptureLoop(options, _factory, pool, TimeProvider.System, frame =>
        {
            sizes.Add((frame.Width, frame.Height, frame.Settings.Width, frame.Settings.Height));
            frame.Release();
        }, events.Add);

        loop.Run(CancellationToken.None);

        var fallback = Assert.Single(events, e => e.Kind == CaptureEventKind.SettingNotApplied);
        Assert.Contains("1234x777", fallback.Message);
        Assert.Contains("640x480", fallback.Message);
        Assert.All(sizes, s => Assert.Equal((640, 480, 640, 480), s));
        Assert.Equal(TestVideos.FrameCount, sizes.Count);
    }

    [Theory]
    [InlineData("ftp://camera/stream")]
    [InlineData("v4l2:front")]
    [InlineData("gst:videotestsrc ! videoconvert")]
    [InlineData("rtsp://")]
    [InlineData("")]
    public void A_Malformed_Source_Fails_Validation_And_Opening_With_A_Clear_Message(string source)
    {
        var options = Options(source, EndOfStreamAction.Reconnect);
        var errors = new List<ConfigError>();

        options.Validate("capture", errors);
        var e = Assert.Throws<CaptureSourceException>(() => _factory.Open(options));

        var error = Assert.Single(errors);
        Assert.Equal("capture:Source", error.Path);
        Assert.Contains("v4l2:", error.Expected);
        Assert.Contains(source.Length == 0 ? "is empty" : source, e.Message);
    }

    [Fact]
    public void An_Empty_Folder_Is_A_Clear_Error()
    {
        using var folder = new TempDirectory("edgeinspect-empty");
        File.WriteAllText(folder.File("notes.txt"), "no images here");

        var e = Assert.Throws<CaptureSourceException>(() => _factory.Open(Options($"folder:{folder.Path}", EndOfStreamAction.Stop)));

        Assert.Contains("holds no images", e.Message);
        Assert.Contains(folder.Path, e.Message);
    }

    [Fact]
    public void A_Missing_Video_File_Is_A_Clear_Error()
    {
        var e = Assert.Throws<CaptureSourceException>(() => _factory.Open(Options("file:/nonexistent/line3.mkv", EndOfStreamAction.Stop)));

        Assert.Contains("/nonexistent/line3.mkv", e.Message);
    }

    [Fact]
    public void A_Pool_Sized_For_Smaller_Frames_Skips_And_Counts_Them_Instead_Of_Overrunning()
    {
        var options = Options($"file:{videos.Ffv1}", EndOfStreamAction.Stop);
        using var pool = new FramePool(2, 320 * 240 * 3);
        var events = new List<CaptureEvent>();
        using var loop = new CaptureLoop(options, _factory, pool, TimeProvider.System, frame => frame.Release(), events.Add);

        loop.Run(CancellationToken.None);

        Assert.Equal(0, loop.Counters.FramesDelivered);
        Assert.Equal(TestVideos.FrameCount, loop.Counters.TooLargeSkipped);
        Assert.Single(events, e => e.Kind == CaptureEventKind.FrameTooLarge);
    }

    private static CaptureOptions Options(string source, EndOfStreamAction endOfStream) => new()
    {
        CameraId = "line3-cam",
        Source = source,
        EndOfStream = endOfStream,
    };

    private List<CaptureEvent> RunToEnd(string path, int frozenFrameCount)
    {
        var options = Options($"file:{path}", EndOfStreamAction.Stop);
        options.FrozenFrameCount = frozenFrameCount;
        using var pool = new FramePool(2, 640 * 480 * 3);
        var events = new List<CaptureEvent>();
        using var loop = new CaptureLoop(options, _factory, pool, TimeProvider.System, frame => frame.Release(), events.Add);
        loop.Run(CancellationToken.None);
        return events;
    }

    private List<CaptureEvent> RunFor(CaptureOptions options, TimeSpan duration)
    {
        using var pool = new FramePool(2, 640 * 480 * 3);
        using var stop = new CancellationTokenSource(duration);
        var events = new ConcurrentQueue<CaptureEvent>();
        using var loop = new CaptureLoop(options, _factory, pool, TimeProvider.System, frame => frame.Release(), events.Enqueue);
        loop.Run(stop.Token);
        return [.. events];
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no {what} within {Patience}");
            }

            Thread.Sleep(5);
        }
    }
}
