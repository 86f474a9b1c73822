using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Capture;

/// <summary>How frames are taken from the source.</summary>
public enum CaptureMode
{
    /// <summary>Frames as they come, limited to <see cref="CaptureOptions.TargetFps"/>.</summary>
    FreeRun,

    /// <summary>One frame per trigger (software trigger now, the part-present input later).</summary>
    Triggered,
}

/// <summary>What capture does when a finite source (file, folder) runs out of frames.</summary>
public enum EndOfStreamAction
{
    /// <summary>Treat it as a lost source: reconnect with backoff, and raise camera-down if it stays away.</summary>
    Reconnect,

    /// <summary>Stop capture cleanly (replay of a file).</summary>
    Stop,

    /// <summary>Start again from the first frame at once (demos).</summary>
    Loop,
}

/// <summary>The station config's capture section. Validated at startup; every invalid field is reported at once.</summary>
public sealed class CaptureOptions : IConfigSection
{
    /// <summary>Identifies the camera in frames and records.</summary>
    public string CameraId { get; set; } = "cam0";

    /// <summary>The source, as one URI-like string; see <see cref="CaptureSource"/> for the accepted forms.</summary>
    public string Source { get; set; } = "";

    /// <summary>Requested frame width in pixels (with <see cref="Height"/>); null keeps the camera's.</summary>
    public int? Width { get; set; }

    /// <summary>Requested frame height in pixels (with <see cref="Width"/>); null keeps the camera's.</summary>
    public int? Height { get; set; }

    /// <summary>Requested camera frame rate, in frames per second; null keeps the camera's.</summary>
    public double? Fps { get; set; }

    /// <summary>Requested exposure, in the backend's units (V4L2: 100 µs steps); null leaves it alone.</summary>
    public double? Exposure { get; set; }

    /// <summary>Requested gain, in the backend's units; null leaves it alone.</summary>
    public double? Gain { get; set; }

    /// <summary>Requested auto-exposure on or off; null leaves it alone.</summary>
    public bool? AutoExposure { get; set; }

    public CaptureMode Mode { get; set; } = CaptureMode.FreeRun;

    /// <summary>Free-run delivery limit, in frames per second; 0 delivers as fast as the source gives frames.</summary>
    public double TargetFps { get; set; }

    public EndOfStreamAction EndOfStream { get; set; } = EndOfStreamAction.Reconnect;

    /// <summary>How long a network stream read may block before the source counts as lost (FFmpeg sources).</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before reconnecting; doubles after every failed attempt up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Cap of the exponential reconnect backoff.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the source may stay away before the camera-down alert is raised.</summary>
    public TimeSpan CameraDownAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a free-run frame waits for a free pool buffer before it is dropped (and counted).</summary>
    public TimeSpan PoolWait { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Consecutive identical frames (by a hash of sampled pixels) that make a frozen stream.</summary>
    public int FrozenFrameCount { get; set; } = 30;

    /// <summary>Consecutive corrupt frames after which the source is reopened.</summary>
    public int CorruptFramesBeforeReconnect { get; set; } = 25;

    /// <summary>A sampled pixel whose channels are all at or below this level counts as dark (0..255).</summary>
    public int DarkLevel { get; set; } = 16;

    /// <summary>A sampled pixel with any channel at or above this level counts as clipped (0..255).</summary>
    public int SaturatedLevel { get; set; } = 250;

    /// <summary>Fraction of dark sampled pixels (0..1) from which a frame is flagged all-black.</summary>
    public double BlackFraction { get; set; } = 0.98;

    /// <summary>Fraction of clipped sampled pixels (0..1) from which a frame is flagged saturated.</summary>
    public double SaturatedFraction { get; set; } = 0.5;

    /// <summary>The parsed <see cref="Source"/>.</summary>
    /// <exception cref="FormatException">The source setting is malformed.</exception>
    public CaptureSource ParsedSource() => CaptureSource.Parse(Source);

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (Names.Problem(CameraId) is { } cameraProblem)
        {
            errors.Add(new(ConfigPath.Join(path, nameof(CameraId)), cameraProblem, "a camera name such as cam0"));
        }

        if (!CaptureSource.TryParse(Source, out _, out var problem))
        {
            errors.Add(new(ConfigPath.Join(path, nameof(Source)), $"'{Source}' {problem}", CaptureSource.ExpectedForms));
        }

        if (Width.HasValue != Height.HasValue)
        {
            errors.Add(new(ConfigPath.Join(path, Width.HasValue ? nameof(Height) : nameof(Width)), "is missing while the other dimension is set", "width and height both set, or both left out"));
        }

        Positive(path, nameof(Width), Width, "a width in pixels such as 640");
        Positive(path, nameof(Height), Height, "a height in pixels such as 480");
        if (Fps is { } fps && !(fps > 0 && double.IsFinite(fps)))
        {
            errors.Add(new(ConfigPath.Join(path, nameof(Fps)), $"is {fps}", "a positive frame rate in frames per second, or left out"));
        }

        if (Gain is { } gain && !double.IsFinite(gain))
        {
            errors.Add(new(ConfigPath.Join(path, nameof(Gain)), $"is {gain}", "a finite gain, or left out"));
        }

        if (Exposure is { } exposure && !double.IsFinite(exposure))
        {
            errors.Add(new(ConfigPath.Join(path, nameof(Exposure)), $"is {exposure}", "a finite exposure, or left out"));
        }

        if (!Enum.IsDefined(Mode))
        {
            errors.Add(new(ConfigPath.Join(path, nameof(Mode)), $"is {(int)Mode}", "FreeRun or Triggered"));
        }

        if (!Enum.IsDefined(EndOfStream))
        {
            errors.Add(new(ConfigPath.Join(path, nameof(EndOfStream)), $"is {(int)EndOfStream}", "Reconnect, Stop or Loop"));
        }

        if (!(TargetFps >= 0 && double.IsFinite(TargetFps)))
        {
            errors.Add(new(ConfigPath.Join(path, nameof(TargetFps)), $"is {TargetFps}", "frames per second >= 0 (0: as fast as the source)"));
        }

        PositiveTime(path, nameof(ReadTimeout), ReadTimeout);
        PositiveTime(path, nameof(ReconnectInitialDelay), ReconnectInitialDelay);
        PositiveTime(path, nameof(ReconnectMaxDelay), ReconnectMaxDelay);
        PositiveTime(path, nameof(CameraDownAfter), CameraDownAfter);
        if (ReconnectMaxDelay < ReconnectInitialDelay)
        {
            errors.Add(new(ConfigPath.Join(path, nameof(ReconnectMaxDelay)), $"is {ReconnectMaxDelay}, below ReconnectInitialDelay {ReconnectInitialDelay}", "a TimeSpan at least ReconnectInitialDelay"));
        }

        if (PoolWait < TimeSpan.Zero)
        {
            errors.Add(new(ConfigPath.Join(path, nameof(PoolWait)), $"is {PoolWait}", "a TimeSpan >= 00:00:00 such as 00:00:00.050"));
        }

        if (FrozenFrameCount < 2)
        {
            errors.Add(new(ConfigPath.Join(path, nameof(FrozenFrameCount)), $"is {FrozenFrameCount}", "a frame count >= 2"));
        }

        if (CorruptFramesBeforeReconnect < 1)
        {
            errors.Add(new(ConfigPath.Join(path, nameof(CorruptFramesBeforeReconnect)), $"is {CorruptFramesBeforeReconnect}", "a frame count >= 1"));
        }

        Level(path, nameof(DarkLevel), DarkLevel);
        Level(path, nameof(SaturatedLevel), SaturatedLevel);
        Fraction(path, nameof(BlackFraction), BlackFraction);
        Fraction(path, nameof(SaturatedFraction), SaturatedFraction);

        void Positive(string p, string name, int? value, string expected)
        {
            if (value is <= 0)
            {
                errors.Add(new(ConfigPath.Join(p, name), $"is {value}", expected));
            }
        }

        void PositiveTime(string p, string name, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add(new(ConfigPath.Join(p, name), $"is {value}", "a positive TimeSpan such as 00:00:05"));
            }
        }

        void Level(string p, string name, int value)
        {
            if (value is < 0 or > 255)
            {
                errors.Add(new(ConfigPath.Join(p, name), $"is {value}", "a pixel level 0..255"));
            }
        }

        void Fraction(string p, string name, double value)
        {
            if (!(value is > 0 and <= 1))
            {
                errors.Add(new(ConfigPath.Join(p, name), $"is {value}", "a fraction in (0, 1]"));
            }
        }
    }
}
