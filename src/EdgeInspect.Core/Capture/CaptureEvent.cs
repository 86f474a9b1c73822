namespace EdgeInspect.Core.Capture;

/// <summary>What happened to capture. Monitoring turns these into alerts; the link publishes them.</summary>
public enum CaptureEventKind
{
    /// <summary>The source opened (first time or after a reconnect).</summary>
    SourceOpened,

    /// <summary>An attempt to open the source failed; capture retries with backoff.</summary>
    SourceOpenFailed,

    /// <summary>The source stopped giving frames (lost, unplugged, closed); capture reconnects.</summary>
    SourceLost,

    /// <summary>A finite source ran out of frames.</summary>
    StreamEnded,

    /// <summary>Alert: the source has been away for longer than <see cref="CaptureOptions.CameraDownAfter"/>.</summary>
    CameraDown,

    /// <summary>The source is back after a camera-down alert.</summary>
    CameraRecovered,

    /// <summary>A frame could not be decoded and was skipped.</summary>
    FrameCorrupt,

    /// <summary>A frame was larger than the pool's buffers and was skipped.</summary>
    FrameTooLarge,

    /// <summary>Alert: <see cref="CaptureOptions.FrozenFrameCount"/> consecutive identical frames.</summary>
    FrozenStream,

    /// <summary>The stream changes again after a frozen-stream alert.</summary>
    FrozenStreamCleared,

    /// <summary>The camera did not take a requested setting; capture goes on with what it reads back.</summary>
    SettingNotApplied,

    /// <summary>Capture stopped (cancelled, or the end of a finite source with <see cref="EndOfStreamAction.Stop"/>).</summary>
    Stopped,
}

/// <summary>One capture event.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="CameraId">Which camera.</param>
/// <param name="UtcTime">When, from the capture loop's TimeProvider.</param>
/// <param name="Message">A sentence for people and logs, with the evidence (source, durations, counts).</param>
/// <param name="LastSeq">The sequence number of the last frame delivered before the event (0 if none).</param>
public sealed record CaptureEvent(CaptureEventKind Kind, string CameraId, DateTimeOffset UtcTime, string Message, long LastSeq)
{
    /// <summary>Alerts raise or clear plant-visible alert state; the other events are information.</summary>
    public bool IsAlert => Kind is CaptureEventKind.CameraDown or CaptureEventKind.FrozenStream;
}

/// <summary>Capture's counters at one moment.</summary>
public readonly record struct CaptureCounters(
    long FramesDelivered,
    long CorruptSkipped,
    long TooLargeSkipped,
    long DroppedPoolExhausted,
    long Reconnects,
    long OpenFailures,
    long SourceLosses,
    long StreamEnds,
    long CameraDownAlerts,
    long FrozenAlerts,
    long BlackFrames,
    long SaturatedFrames,
    long TriggersReceived);
