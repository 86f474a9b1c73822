using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Tests.Capture;

/// <summary>A frame source that plays a script: each step fills the frame with one grey level, or returns a fault.</summary>
internal sealed class ScriptedSource(IEnumerable<ScriptStep> steps, CameraSettings settings) : IFrameSource
{
    private readonly IEnumerator<ScriptStep> _steps = steps.GetEnumerator();

    public CameraSettings Settings { get; } = settings;

    public string Description => "scripted";

    public bool Disposed { get; private set; }

    public FrameReadResult Read(Frame frame)
    {
        if (!_steps.MoveNext())
        {
            return FrameReadResult.EndOfStream;
        }

        var step = _steps.Current;
        if (step.Result == FrameReadResult.Lost && step.Level == 1)
        {
            throw new IOException("driver fell over");
        }

        if (step.Result == FrameReadResult.Frame)
        {
            frame.SetGeometry(Settings.Width, Settings.Height, Settings.Width * 3);
            frame.Pixels.Fill(step.Level);
        }

        return step.Result;
    }

    public void Dispose() => Disposed = true;
}

internal readonly record struct ScriptStep(FrameReadResult Result, byte Level = 0)
{
    public static ScriptStep Grey(byte level) => new(FrameReadResult.Frame, level);

    /// <summary>A read that throws, breaking the source contract.</summary>
    public static ScriptStep Throws { get; } = new(FrameReadResult.Lost, 1);

    public static IEnumerable<ScriptStep> Moving(int count, byte start = 40) => Enumerable.Range(0, count).Select(i => Grey((byte)(start + i)));
}

/// <summary>Hands out sources in order; a null entry (or running out) is a failed open. Records when each attempt happened.</summary>
internal sealed class ScriptedFactory(TimeProvider time, params Func<IFrameSource?>[] opens) : IFrameSourceFactory
{
    public static readonly CameraSettings Vga = new(64, 48, 25, double.NaN, double.NaN, null);

    private readonly long _start = time.GetTimestamp();
    private int _attempt;
    private readonly List<TimeSpan> _attempts = [];

    public IReadOnlyList<TimeSpan> Attempts
    {
        get
        {
            lock (_attempts)
            {
                return [.. _attempts];
            }
        }
    }

    public IFrameSource Open(CaptureOptions options)
    {
        lock (_attempts)
        {
            _attempts.Add(time.GetElapsedTime(_start));
        }

        var i = _attempt++;
        return (i < opens.Length ? opens[i]() : null) ?? throw new CaptureSourceException($"scripted failure #{i + 1}");
    }
}
