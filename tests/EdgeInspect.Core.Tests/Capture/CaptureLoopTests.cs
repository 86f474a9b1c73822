using System.Collections.Concurrent;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Capture;

public sealed class CaptureLoopTests
{
    private const int FrameBytes = 64 * 48 * 3;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 6, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Corrupt_Frames_Are_Skipped_Counted_And_Reported_While_Good_Ones_Keep_Their_Order()
    {
        var steps = new[] { ScriptStep.Grey(10), new ScriptStep(FrameReadResult.Corrupt), ScriptStep.Grey(20), new ScriptStep(FrameReadResult.Corrupt), ScriptStep.Grey(30) };
        var (delivered, events, loop) = RunToEnd(Options(), new ScriptedFactory(_time, () => new ScriptedSource(steps, ScriptedFactory.Vga)));

        Assert.Equal([(1L, (byte)10), (2L, (byte)20), (3L, (byte)30)], delivered);
        Assert.Equal(2, loop.Counters.CorruptSkipped);
        Assert.Equal(2, events.Count(e => e.Kind == CaptureEventKind.FrameCorrupt));
        Assert.Equal(3, loop.Counters.FramesDelivered);
    }

    [Fact]
    public void Too_Many_Consecutive_Corrupt_Frames_Reopen_The_Source()
    {
        var options = Options();
        options.CorruptFramesBeforeReconnect = 3;
        var first = new ScriptedSource(Enumerable.Repeat(new ScriptStep(FrameReadResult.Corrupt), 10), ScriptedFactory.Vga);
        var factory = new ScriptedFactory(_time, () => first, () => new ScriptedSource(ScriptStep.Moving(2), ScriptedFactory.Vga));

        var (delivered, events, loop) = RunToEnd(options, factory);

        Assert.True(first.Disposed);
        Assert.Equal(2, delivered.Count);
        Assert.Equal(1, loop.Counters.SourceLosses);
        Assert.Equal(1, loop.Counters.Reconnects);
        Assert.Contains(events, e => e.Kind == CaptureEventKind.SourceLost && e.Message.Contains("3 consecutive corrupt frames"));
    }

    [Fact]
    public void A_Source_That_Throws_On_Read_Is_Reopened_Instead_Of_Ending_Capture()
    {
        var first = new ScriptedSource(ScriptStep.Moving(2).Append(ScriptStep.Throws), ScriptedFactory.Vga);
        var factory = new ScriptedFactory(_time, () => first, () => new ScriptedSource(ScriptStep.Moving(2, start: 90), ScriptedFactory.Vga));

        var (delivered, events, loop) = RunToEnd(Options(), factory);

        Assert.Equal([1L, 2, 3, 4], delivered.Select(d => d.Seq));
        Assert.True(first.Disposed);
        Assert.Contains(events, e => e.Kind == CaptureEventKind.SourceLost && e.Message.Contains("driver fell over"));
        Assert.Equal(1, loop.Counters.Reconnects);
    }

    [Fact]
    public void All_Black_And_Saturated_Frames_Are_Flagged_And_Counted()
    {
        var steps = new[] { ScriptStep.Grey(0), ScriptStep.Grey(128), ScriptStep.Grey(255), ScriptStep.Grey(12) };
        var flags = new List<FrameFlags>();
        using var pool = new FramePool(2, FrameBytes);
        using var loop = new CaptureLoop(Options(), new ScriptedFactory(_time, () => new ScriptedSource(steps, ScriptedFactory.Vga)), pool, _time, f =>
        {
            flags.Add(f.Flags);
            f.Release();
        });

        loop.Run(CancellationToken.None);

        Assert.Equal([FrameFlags.AllBlack, FrameFlags.None, FrameFlags.Saturated, FrameFlags.AllBlack], flags);
        Assert.Equal((2L, 1L), (loop.Counters.BlackFrames, loop.Counters.SaturatedFrames));
    }

    [Fact]
    public void Identical_Frames_Raise_One_Frozen_Alert_And_A_Change_Clears_It()
    {
        var options = Options();
        options.FrozenFrameCount = 4;
        var steps = ScriptStep.Moving(3).Concat(Enumerable.Repeat(ScriptStep.Grey(99), 10)).Concat(ScriptStep.Moving(2, start: 150));

        var (_, events, loop) = RunToEnd(options, new ScriptedFactory(_time, () => new ScriptedSource(steps, ScriptedFactory.Vga)));

        var frozen = Assert.Single(events, e => e.Kind == CaptureEventKind.FrozenStream);
        Assert.Equal(3 + 4, frozen.LastSeq);
        Assert.Equal(3 + 10 + 1, Assert.Single(events, e => e.Kind == CaptureEventKind.FrozenStreamCleared).LastSeq);
        Assert.Equal(1, loop.Counters.FrozenAlerts);
    }

    [Fact]
    public void Frames_Carry_The_Clock_The_Camera_Id_And_The_Read_Back_Settings()
    {
        var settings = ScriptedFactory.Vga with { Exposure = 120, Gain = 3, AutoExposure = false };
        var frames = new List<(string, DateTimeOffset, long, CameraSettings, FrameTrigger)>();
        using var pool = new FramePool(2, FrameBytes);
        using var loop = new CaptureLoop(Options(), new ScriptedFactory(_time, () => new ScriptedSource(ScriptStep.Moving(2), settings)), pool, _time, f =>
        {
            frames.Add((f.CameraId, f.UtcTimestamp, f.MonotonicTimestamp, f.Settings, f.Trigger));
            f.Release();
        });

        loop.Run(CancellationToken.None);

        Assert.All(frames, f => Assert.Equal(("cam-a", _time.GetUtcNow(), _time.GetTimestamp(), settings, FrameTrigger.FreeRun), f));
    }

    [Fact]
    public void Requested_Settings_The_Camera_Ignores_Are_Reported_Once_Per_Open()
    {
        var options = Options();
        options.Width = 1920;
        options.Height = 1080;
        options.Fps = 60;
        options.Exposure = 200;
        options.AutoExposure = false;
        var settings = ScriptedFactory.Vga with { Exposure = 200, AutoExposure = true };

        var (_, events, _) = RunToEnd(options, new ScriptedFactory(_time, () => new ScriptedSource(ScriptStep.Moving(1), settings)));

        var messages = events.Where(e => e.Kind == CaptureEventKind.SettingNotApplied).Select(e => e.Message).ToList();
        Assert.Equal(3, messages.Count);
        Assert.Contains(messages, m => m.Contains("1920x1080") && m.Contains("64x48"));
        Assert.Contains(messages, m => m.Contains("fps 60") && m.Contains("25"));
        Assert.Contains(messages, m => m.Contains("auto-exposure off") && m.Contains("reports on"));
    }

    [Fact]
    public void A_Triggered_Camera_Delivers_One_Frame_Per_Trigger_With_Its_Id()
    {
        var options = Options();
        options.Mode = CaptureMode.Triggered;
        using var pool = new FramePool(2, FrameBytes);
        using var stop = new CancellationTokenSource();
        var frames = new List<(long Seq, long TriggerId, FrameTrigger Trigger)>();
        using var loop = new CaptureLoop(options, new ScriptedFactory(_time, () => new ScriptedSource(ScriptStep.Moving(100), ScriptedFactory.Vga)), pool, _time, f =>
        {
            frames.Add((f.Seq, f.TriggerId, f.Trigger));
            f.Release();
            if (frames.Count == 3)
            {
                stop.Cancel();
            }
        });
        var ids = new[] { loop.Trigger(), loop.Trigger(), loop.Trigger() };

        loop.Run(stop.Token);

        Assert.Equal([(1L, ids[0], FrameTrigger.Triggered), (2L, ids[1], FrameTrigger.Triggered), (3L, ids[2], FrameTrigger.Triggered)], frames);
        Assert.Equal(3, loop.Counters.TriggersReceived);
    }

    [Fact]
    public void A_Trigger_On_A_Free_Running_Camera_Is_Refused_Rather_Than_Left_Unanswered()
    {
        using var pool = new FramePool(1, FrameBytes);
        using var loop = new CaptureLoop(Options(), new ScriptedFactory(_time), pool, _time, f => f.Release());

        var e = Assert.Throws<InvalidOperationException>(() => loop.Trigger());

        Assert.Contains("free-running", e.Message);
    }

    [Fact]
    public void A_Finite_Source_With_Stop_Ends_Capture_Cleanly_And_Closes_The_Source()
    {
        var source = new ScriptedSource(ScriptStep.Moving(2), ScriptedFactory.Vga);
        var (delivered, events, loop) = RunToEnd(Options(), new ScriptedFactory(_time, () => source));

        Assert.Equal(2, delivered.Count);
        Assert.True(source.Disposed);
        Assert.Equal([CaptureEventKind.SourceOpened, CaptureEventKind.StreamEnded, CaptureEventKind.Stopped], events.Select(e => e.Kind));
        Assert.Equal(1, loop.Counters.StreamEnds);
    }

    [Fact]
    public async Task When_The_Pool_Is_Exhausted_Free_Run_Frames_Are_Dropped_And_Counted()
    {
        var options = Options();
        options.PoolWait = TimeSpan.FromMilliseconds(1);
        using var pool = new FramePool(2, FrameBytes);
        using var stop = new CancellationTokenSource();
        var held = new ConcurrentQueue<Frame>();
        using var loop = new CaptureLoop(options, new ScriptedFactory(_time, () => new ScriptedSource(ScriptStep.Moving(100), ScriptedFactory.Vga)), pool, _time, held.Enqueue);
        var run = Task.Run(() => loop.Run(stop.Token));

        var dropped = SpinWait.SpinUntil(() => loop.Counters.DroppedPoolExhausted >= 3, TimeSpan.FromSeconds(10));
        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(dropped, $"only {loop.Counters.DroppedPoolExhausted} frames counted as dropped while the pool was empty");
        Assert.Equal(2, loop.Counters.FramesDelivered);
        Assert.Equal(0, pool.Available);
    }

    [Fact]
    public void Reconnect_Backoff_Doubles_Up_To_Its_Cap_And_Camera_Down_Is_Raised_On_Time_Then_Cleared()
    {
        var options = Options();
        options.ReconnectInitialDelay = TimeSpan.FromMilliseconds(100);
        options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(400);
        options.CameraDownAfter = TimeSpan.FromMilliseconds(1000);
        options.EndOfStream = EndOfStreamAction.Reconnect;
        var clock = new WatchedTimeProvider(_time.GetUtcNow());
        using var pool = new FramePool(2, FrameBytes);
        using var stop = new CancellationTokenSource();
        var events = new ConcurrentQueue<(CaptureEvent Event, TimeSpan At)>();
        var start = clock.GetTimestamp();
        // Five failed opens, then a camera that gives frames.
        var factory = new ScriptedFactory(clock, null!, null!, null!, null!, null!, () => new ScriptedSource(ScriptStep.Moving(1000), ScriptedFactory.Vga));
        var delivered = 0;
        using var loop = new CaptureLoop(options, factory, pool, clock, f =>
        {
            Interlocked.Increment(ref delivered);
            f.Release();
            if (Volatile.Read(ref delivered) == 5)
            {
                stop.Cancel();
            }
        }, e => events.Enqueue((e, clock.GetElapsedTime(start))));
        var thread = new Thread(() => loop.Run(stop.Token)) { IsBackground = true };
        thread.Start();

        // Expected attempts at 0, 100, 300, 700, then 1000 (the 400 ms step shortened so camera-down is on time), 1400.
        int[] gaps = [100, 200, 400, 300, 400];
        for (var attempts = 1; attempts <= gaps.Length; attempts++)
        {
            // After each failed attempt the loop sets its timer once and sleeps on it.
            var gap = gaps[attempts - 1];
            clock.WaitUntilArmed(attempts);
            var fired = clock.Fired;
            clock.Advance(TimeSpan.FromMilliseconds(gap - 1));
            Assert.True(fired == clock.Fired, $"the loop was woken {gap - 1} ms after attempt {attempts}, before its backoff of {gap} ms");
            Assert.Equal(attempts, factory.Attempts.Count);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(fired + 1, clock.Fired);
            Assert.True(SpinWait.SpinUntil(() => factory.Attempts.Count == attempts + 1, TimeSpan.FromSeconds(10)), $"no attempt {gap} ms after the last");
            if (factory.Attempts.Count == 5)
            {
                Assert.True(SpinWait.SpinUntil(() => loop.IsCameraDown, TimeSpan.FromSeconds(10)), "camera-down not raised after 1 s away");
            }
        }

        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));
        Assert.False(loop.IsCameraDown);
        Assert.Equal([0, 100, 300, 700, 1000, 1400], factory.Attempts.Select(a => (int)a.TotalMilliseconds));
        var down = Assert.Single(events, e => e.Event.Kind == CaptureEventKind.CameraDown);
        Assert.Equal(1000, down.At.TotalMilliseconds);
        var recovered = Assert.Single(events, e => e.Event.Kind == CaptureEventKind.CameraRecovered);
        Assert.Equal(1400, recovered.At.TotalMilliseconds);
        Assert.Equal(5, events.Count(e => e.Event.Kind == CaptureEventKind.SourceOpenFailed));
        Assert.Equal((5L, 1L, 0L), (loop.Counters.OpenFailures, loop.Counters.CameraDownAlerts, loop.Counters.Reconnects));
    }

    [Fact]
    public void A_Short_Outage_Reconnects_Without_Raising_Camera_Down()
    {
        var options = Options();
        options.EndOfStream = EndOfStreamAction.Reconnect;
        options.CameraDownAfter = TimeSpan.FromSeconds(5);
        using var stop = new CancellationTokenSource();
        var factory = new ScriptedFactory(_time,
            () => new ScriptedSource(ScriptStep.Moving(3).Append(new ScriptStep(FrameReadResult.Lost)), ScriptedFactory.Vga),
            () => new ScriptedSource(ScriptStep.Moving(3, start: 100), ScriptedFactory.Vga));
        var seqs = new List<long>();
        using var pool = new FramePool(2, FrameBytes);
        var events = new List<CaptureEvent>();
        using var loop = new CaptureLoop(options, factory, pool, _time, f =>
        {
            seqs.Add(f.Seq);
            f.Release();
            if (seqs.Count == 6)
            {
                stop.Cancel();
            }
        }, events.Add);

        loop.Run(stop.Token);

        Assert.Equal([1L, 2, 3, 4, 5, 6], seqs);
        Assert.DoesNotContain(events, e => e.Kind is CaptureEventKind.CameraDown or CaptureEventKind.CameraRecovered);
        Assert.Equal((1L, 1L), (loop.Counters.SourceLosses, loop.Counters.Reconnects));
    }

    [Fact]
    public void Free_Run_Replay_Of_A_File_Is_Paced_To_The_Target_Rate()
    {
        var options = Options("file:line3.mkv");
        options.TargetFps = 10;
        var clock = new WatchedTimeProvider(_time.GetUtcNow());
        using var pool = new FramePool(2, FrameBytes);
        using var stop = new CancellationTokenSource();
        var times = new ConcurrentQueue<long>();
        using var loop = new CaptureLoop(options, new ScriptedFactory(clock, () => new ScriptedSource(ScriptStep.Moving(100), ScriptedFactory.Vga)), pool, clock, f =>
        {
            times.Enqueue(f.MonotonicTimestamp);
            f.Release();
        });
        var thread = new Thread(() => loop.Run(stop.Token)) { IsBackground = true };
        thread.Start();

        Assert.True(SpinWait.SpinUntil(() => times.Count == 1, TimeSpan.FromSeconds(10)));
        for (var i = 0; i < 3; i++)
        {
            // After each delivered frame the loop sets its timer for the next one and sleeps on it.
            clock.WaitUntilArmed(i + 1);
            var fired = clock.Fired;
            clock.Advance(TimeSpan.FromMilliseconds(99));
            Assert.True(fired == clock.Fired, $"frame {i + 2} was due before 100 ms had passed");
            Assert.Equal(i + 1, times.Count);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(fired + 1, clock.Fired);
            Assert.True(SpinWait.SpinUntil(() => times.Count == i + 2, TimeSpan.FromSeconds(10)));
        }

        stop.Cancel();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));
        var stamps = times.ToArray();
        Assert.All(stamps.Zip(stamps.Skip(1)), p => Assert.Equal(TimeSpan.FromMilliseconds(100), clock.GetElapsedTime(p.First, p.Second)));
    }

    private static CaptureOptions Options(string source = "v4l2:0") => new()
    {
        CameraId = "cam-a",
        Source = source,
        EndOfStream = EndOfStreamAction.Stop,
    };

    private (List<(long Seq, byte Level)> Delivered, List<CaptureEvent> Events, CaptureLoop Loop) RunToEnd(CaptureOptions options, IFrameSourceFactory factory)
    {
        var delivered = new List<(long, byte)>();
        var events = new List<CaptureEvent>();
        var pool = new FramePool(2, FrameBytes);
        var loop = new CaptureLoop(options, factory, pool, _time, f =>
        {
            delivered.Add((f.Seq, f.Pixels[0]));
            f.Release();
        }, events.Add);
        loop.Run(CancellationToken.None);
        return (delivered, events, loop);
    }
}
