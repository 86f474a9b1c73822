using System.Collections.Concurrent;
using System.Globalization;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Capture;

/// <summary>
/// Keeps frames coming from one camera: opens the source, paces or triggers reads, stamps every frame (seq,
/// monotonic and UTC time, read-back settings, flags), and recovers from faults with capped exponential backoff.
/// </summary>
/// <remarks>
/// <para>Threading: <see cref="Run"/> blocks; give it a dedicated thread. <see cref="Trigger"/> and
/// <see cref="Counters"/> may be called from any thread. The event callback runs on the capture thread and must be
/// quick and must not throw.</para>
/// <para>Ownership: each delivered <see cref="Frame"/> is rented from the pool and carries one reference, which passes
/// to the consumer; the consumer (or whoever it hands the frame to) calls <see cref="Frame.Release"/> exactly once.</para>
/// <para>Lifetime: call <see cref="Dispose"/> after <see cref="Run"/> has returned; it frees the timer and the trigger queue.</para>
/// <para>Steady state allocates nothing per frame: frames are pooled and pinned, sources read into them in place,
/// and events (which allocate) only happen on faults.</para>
/// </remarks>
public sealed class CaptureLoop : IDisposable
{
    private static readonly TimeSpan MinimumPoolWait = TimeSpan.FromMilliseconds(1);

    private readonly CaptureOptions _options;
    private readonly IFrameSourceFactory _sources;
    private readonly FramePool _pool;
    private readonly TimeProvider _time;
    private readonly Action<Frame> _deliver;
    private readonly Action<CaptureEvent> _events;
    private readonly FrozenStreamDetector _frozen;
    private readonly SemaphoreSlim _triggers = new(0);
    private readonly ConcurrentQueue<long> _triggerIds = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly ITimer _timer;
    private readonly long _frameInterval;
    private readonly bool _finiteSource;

    private IFrameSource? _source;
    private bool _everOpened;
    private long? _lostAt;
    private volatile bool _downRaised;
    private TimeSpan _backoff;
    private int _consecutiveCorrupt;
    private bool _tooLargeReported;
    private long? _pendingTrigger;
    private long _nextDue;
    private long _seq;
    private long _nextTriggerId;

    private long _delivered, _corrupt, _tooLarge, _droppedPool, _reconnects, _openFailures, _losses,
        _streamEnds, _downAlerts, _frozenAlerts, _black, _saturated, _triggersReceived;

    /// <param name="options">Validated capture options.</param>
    /// <param name="sources">Opens the source, at start and on every reconnect.</param>
    /// <param name="pool">Frame buffers; its size bounds capture's memory. Buffers must fit the camera's frames.</param>
    /// <param name="time">Clock for timestamps, pacing, backoff and the camera-down timer.</param>
    /// <param name="deliver">Receives each frame and its reference (see remarks).</param>
    /// <param name="events">Receives faults, alerts and recoveries; may be null.</param>
    public CaptureLoop(CaptureOptions options, IFrameSourceFactory sources, FramePool pool, TimeProvider time, Action<Frame> deliver, Action<CaptureEvent>? events = null)
    {
        _options = options;
        _sources = sources;
        _pool = pool;
        _time = time;
        _deliver = deliver;
        _events = events ?? (_ => { });
        _frozen = new FrozenStreamDetector(options.FrozenFrameCount);
        _backoff = options.ReconnectInitialDelay;
        _finiteSource = CaptureSource.TryParse(options.Source, out var source, out _) && source.IsFinite;
        _frameInterval = options.TargetFps > 0 ? (long)(time.TimestampFrequency / options.TargetFps) : 0;
        _timer = time.CreateTimer(static state => ((ManualResetEventSlim)state!).Set(), _wake, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The counters now. Safe from any thread.</summary>
    public CaptureCounters Counters => new(
        Interlocked.Read(ref _delivered), Interlocked.Read(ref _corrupt), Interlocked.Read(ref _tooLarge), Interlocked.Read(ref _droppedPool),
        Interlocked.Read(ref _reconnects), Interlocked.Read(ref _openFailures), Interlocked.Read(ref _losses),
        Interlocked.Read(ref _streamEnds), Interlocked.Read(ref _downAlerts), Interlocked.Read(ref _frozenAlerts), Interlocked.Read(ref _black),
        Interlocked.Read(ref _saturated), Interlocked.Read(ref _triggersReceived));

    /// <summary>True from the camera-down alert until the source is back. Safe from any thread.</summary>
    public bool IsCameraDown => _downRaised;

    /// <summary>True from the frozen-stream alert until the picture changes again.</summary>
    public bool IsStreamFrozen => _frozen.IsFrozen;

    /// <summary>
    /// Software trigger: in <see cref="CaptureMode.Triggered"/> mode, asks for one frame for one part. Safe from any thread.
    /// </summary>
    /// <returns>The trigger id the frame will carry in <see cref="Frame.TriggerId"/>.</returns>
    /// <exception cref="InvalidOperationException">Capture is free-running: a trigger would never be answered.</exception>
    public long Trigger()
    {
        if (_options.Mode != CaptureMode.Triggered)
        {
            throw new InvalidOperationException($"camera {_options.CameraId} is free-running; set Mode to Triggered to capture on triggers");
        }

        var id = Interlocked.Increment(ref _nextTriggerId);
        _triggerIds.Enqueue(id);
        Interlocked.Increment(ref _triggersReceived);
        _triggers.Release();
        return id;
    }

    /// <summary>Captures until cancelled, or until a finite source ends with <see cref="EndOfStreamAction.Stop"/>.</summary>
    /// <remarks>Returns normally on cancellation. An exception from the consumer callback ends the loop and propagates.</remarks>
    public void Run(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (_source is null && !TryOpen())
                {
                    WaitBeforeReconnect(cancellationToken);
                    continue;
                }

                if (!CaptureOne(cancellationToken))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is the ordinary way out.
        }
        finally
        {
            CloseSource();
            Raise(CaptureEventKind.Stopped, "capture stopped");
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _wake.Dispose();
        _triggers.Dispose();
        CloseSource();
    }

    /// <summary>One step: waits for the trigger or the pace, reads, and delivers. False when capture should stop.</summary>
    private bool CaptureOne(CancellationToken cancellationToken)
    {
        var triggered = _options.Mode == CaptureMode.Triggered;
        if (triggered && _pendingTrigger is null)
        {
            _triggers.Wait(cancellationToken);
            _triggerIds.TryDequeue(out var id);
            _pendingTrigger = id;
        }

        var source = _source!;
        if (!triggered && _frameInterval > 0 && _finiteSource)
        {
            // A file is replayed at the target rate; a live camera is read at its own rate and paced below.
            SleepUntil(_nextDue, cancellationToken);
        }

        Frame frame;
        if (triggered)
        {
            _pool.TryRent(Timeout.InfiniteTimeSpan, cancellationToken, out frame);
        }
        else if (!_pool.TryRent(_options.PoolWait < MinimumPoolWait ? MinimumPoolWait : _options.PoolWait, cancellationToken, out frame))
        {
            Interlocked.Increment(ref _droppedPool);
            return true;
        }

        FrameReadResult result;
        try
        {
            result = source.Read(frame);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A source that breaks its no-throw contract is treated as lost, so one bad driver call cannot end capture.
            frame.Release();
            LoseSource($"reading {source.Description} failed: {e.Message}");
            return true;
        }

        if (result == FrameReadResult.Frame && !triggered && _frameInterval > 0 && !_finiteSource && _time.GetTimestamp() < _nextDue)
        {
            // Live camera ahead of the target rate: keep its queue drained so the next delivered frame is fresh.
            frame.Release();
            return true;
        }

        switch (result)
        {
            case FrameReadResult.Frame:
                _consecutiveCorrupt = 0;
                Deliver(frame, source.Settings);
                return true;
            case FrameReadResult.Corrupt:
                frame.Release();
                Interlocked.Increment(ref _corrupt);
                Raise(CaptureEventKind.FrameCorrupt, $"skipped an undecodable frame from {source.Description}");
                if (++_consecutiveCorrupt >= _options.CorruptFramesBeforeReconnect)
                {
                    LoseSource($"{_consecutiveCorrupt} consecutive corrupt frames from {source.Description}; reopening it");
                }

                return true;
            case FrameReadResult.TooLarge:
                frame.Release();
                Interlocked.Increment(ref _tooLarge);
                if (!_tooLargeReported)
                {
                    _tooLargeReported = true;
                    Raise(CaptureEventKind.FrameTooLarge, $"frames from {source.Description} ({source.Settings.Width}x{source.Settings.Height}) do not fit the pool's {_pool.CapacityBytes}-byte buffers; skipping them");
                }

                return true;
            case FrameReadResult.EndOfStream:
                frame.Release();
                return EndOfStream(source);
            default:
                frame.Release();
                LoseSource($"lost {source.Description}");
                return true;
        }
    }

    private void Deliver(Frame frame, CameraSettings settings)
    {
        var now = _time.GetTimestamp();
        if (_frameInterval > 0)
        {
            // Fall behind by more than one interval and the schedule restarts, instead of bursting to catch up.
            _nextDue = now - _nextDue > _frameInterval ? now + _frameInterval : _nextDue + _frameInterval;
        }

        frame.CameraId = _options.CameraId;
        frame.Seq = Interlocked.Increment(ref _seq);
        frame.MonotonicTimestamp = now;
        frame.UtcTimestamp = _time.GetUtcNow();
        frame.Settings = settings;
        if (_pendingTrigger is { } trigger)
        {
            frame.Trigger = FrameTrigger.Triggered;
            frame.TriggerId = trigger;
            _pendingTrigger = null;
        }

        var look = FrameFingerprint.Of(frame, _options.DarkLevel, _options.SaturatedLevel);
        if (look.DarkFraction >= _options.BlackFraction)
        {
            frame.Flags |= FrameFlags.AllBlack;
            Interlocked.Increment(ref _black);
        }

        if (look.ClippedFraction >= _options.SaturatedFraction)
        {
            frame.Flags |= FrameFlags.Saturated;
            Interlocked.Increment(ref _saturated);
        }

        switch (_frozen.Observe(look.Hash))
        {
            case FrozenStreamDetector.Transition.Froze:
                Interlocked.Increment(ref _frozenAlerts);
                Raise(CaptureEventKind.FrozenStream, $"{_frozen.IdenticalRun} consecutive identical frames from {_source?.Description}");
                break;
            case FrozenStreamDetector.Transition.Thawed:
                Raise(CaptureEventKind.FrozenStreamCleared, $"frames from {_source?.Description} change again");
                break;
        }

        Interlocked.Increment(ref _delivered);
        _deliver(frame);
    }

    private bool EndOfStream(IFrameSource source)
    {
        Interlocked.Increment(ref _streamEnds);
        Raise(CaptureEventKind.StreamEnded, $"{source.Description} has no more frames; {_options.EndOfStream switch
        {
            EndOfStreamAction.Stop => "stopping",
            EndOfStreamAction.Loop => "starting again",
            _ => "reconnecting",
        }}");
        CloseSource();
        switch (_options.EndOfStream)
        {
            case EndOfStreamAction.Stop:
                return false;
            case EndOfStreamAction.Loop:
                return true;
            default:
                _lostAt ??= _time.GetTimestamp();
                return true;
        }
    }

    private void LoseSource(string message)
    {
        Interlocked.Increment(ref _losses);
        Raise(CaptureEventKind.SourceLost, message + "; reconnecting");
        CloseSource();
        _lostAt ??= _time.GetTimestamp();
    }

    private bool TryOpen()
    {
        try
        {
            _source = _sources.Open(_options);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Interlocked.Increment(ref _openFailures);
            _lostAt ??= _time.GetTimestamp();
            Raise(CaptureEventKind.SourceOpenFailed, $"cannot open {_options.Source}: {e.Message}; retrying in {Format(NextDelay())}");
            RaiseCameraDownWhenDue();
            return false;
        }

        if (_everOpened)
        {
            Interlocked.Increment(ref _reconnects);
        }

        var awayFor = _lostAt is { } lost ? _time.GetElapsedTime(lost) : TimeSpan.Zero;
        _everOpened = true;
        _lostAt = null;
        _backoff = _options.ReconnectInitialDelay;
        _consecutiveCorrupt = 0;
        _tooLargeReported = false;
        _frozen.Reset();
        _nextDue = _time.GetTimestamp();
        Raise(CaptureEventKind.SourceOpened, $"opened {_source.Description}: {Describe(_source.Settings)}");
        if (_downRaised)
        {
            _downRaised = false;
            Raise(CaptureEventKind.CameraRecovered, $"{_source.Description} is back after {Format(awayFor)}");
        }

        ReportSettingsNotApplied(_source.Settings);
        return true;
    }

    private void WaitBeforeReconnect(CancellationToken cancellationToken)
    {
        var delay = NextDelay();
        SleepUntil(_time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency), cancellationToken);
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
        RaiseCameraDownWhenDue();
    }

    /// <summary>The backoff, shortened so that the camera-down alert is raised on time rather than at the next attempt.</summary>
    private TimeSpan NextDelay()
    {
        if (_downRaised || _lostAt is not { } lost)
        {
            return _backoff;
        }

        var untilDown = _options.CameraDownAfter - _time.GetElapsedTime(lost);
        return untilDown > TimeSpan.Zero && untilDown < _backoff ? untilDown : _backoff;
    }

    private void RaiseCameraDownWhenDue()
    {
        if (_downRaised || _lostAt is not { } lost || _time.GetElapsedTime(lost) < _options.CameraDownAfter)
        {
            return;
        }

        _downRaised = true;
        Interlocked.Increment(ref _downAlerts);
        Raise(CaptureEventKind.CameraDown, $"no frames from {_options.Source} for {Format(_time.GetElapsedTime(lost))} (alert after {Format(_options.CameraDownAfter)})");
    }

    private void ReportSettingsNotApplied(CameraSettings actual)
    {
        if (_options.Width is { } w && _options.Height is { } h && (actual.Width != w || actual.Height != h))
        {
            NotApplied($"resolution {w}x{h} was requested; the source gives {actual.Width}x{actual.Height}");
        }

        Compare("fps", _options.Fps, actual.Fps, 0.5);
        Compare("exposure", _options.Exposure, actual.Exposure, 0);
        Compare("gain", _options.Gain, actual.Gain, 0);
        if (_options.AutoExposure is { } auto && actual.AutoExposure != auto)
        {
            NotApplied($"auto-exposure {(auto ? "on" : "off")} was requested; the source reports {(actual.AutoExposure is { } a ? a ? "on" : "off" : "nothing")}");
        }

        void Compare(string name, double? requested, double actualValue, double absolute)
        {
            if (requested is not { } want)
            {
                return;
            }

            if (double.IsNaN(actualValue))
            {
                NotApplied($"{name} {Number(want)} was requested; the source cannot report {name}, so it may not be applied");
            }
            else if (Math.Abs(actualValue - want) > Math.Max(absolute, Math.Abs(want) * 0.01))
            {
                NotApplied($"{name} {Number(want)} was requested; the source reports {Number(actualValue)}");
            }
        }

        void NotApplied(string message) => Raise(CaptureEventKind.SettingNotApplied, message + "; capture goes on with what the source reports");
    }

    private void SleepUntil(long timestamp, CancellationToken cancellationToken)
    {
        var delay = _time.GetElapsedTime(_time.GetTimestamp(), timestamp);
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        // One timer and one event for the loop's lifetime: pacing allocates nothing per frame.
        _wake.Reset();
        _timer.Change(delay, Timeout.InfiniteTimeSpan);
        _wake.Wait(cancellationToken);
    }

    private void CloseSource()
    {
        var source = _source;
        _source = null;
        source?.Dispose();
    }

    private void Raise(CaptureEventKind kind, string message) =>
        _events(new CaptureEvent(kind, _options.CameraId, _time.GetUtcNow(), message, Interlocked.Read(ref _seq)));

    private static string Describe(CameraSettings s) =>
        $"{s.Width}x{s.Height} @ {Number(s.Fps)} fps, exposure {Number(s.Exposure)}, gain {Number(s.Gain)}, auto-exposure {(s.AutoExposure is { } a ? a ? "on" : "off" : "unknown")}";

    private static string Number(double value) => double.IsNaN(value) ? "unknown" : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Format(TimeSpan span) => span.TotalSeconds >= 1
        ? span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
        : span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";
}
