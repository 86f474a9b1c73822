using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeInspect.Worker.Replay;

/// <summary>What the replay loop calls as frames finish. Cheap enough to call on every frame.</summary>
public interface IReplayProgress
{
    /// <param name="framesDone">Frames processed so far (cumulative, not a delta).</param>
    void Report(long framesDone);
}

/// <summary>
/// Shows a replay's progress around the replay's own loop: <c>await display.RunAsync(total, async progress =&gt; { ... progress.Report(n); ... })</c>.
/// The display owns the console while the body runs, so the body should not write to it.
/// </summary>
public interface IReplayProgressDisplay
{
    /// <param name="totalFrames">Null when unknown (a video without a frame count): no ETA then.</param>
    /// <param name="replay">The replay loop; it reports through the <see cref="IReplayProgress"/> it is given.</param>
    Task<T> RunAsync<T>(long? totalFrames, Func<IReplayProgress, Task<T>> replay);
}

public static class ReplayProgressDisplays
{
    /// <summary>A live bar on a terminal; one plain line every 10% when output goes to a file, a pipe or systemd.</summary>
    public static IReplayProgressDisplay ForConsole()
    {
        var interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        return interactive
            ? new SpectreReplayProgressDisplay(AnsiConsole.Console)
            : new PlainTextReplayProgressDisplay(Console.Out, TimeProvider.System);
    }
}

/// <summary>A Spectre.Console bar with frames, fps and the remaining time.</summary>
public sealed class SpectreReplayProgressDisplay(IAnsiConsole console) : IReplayProgressDisplay
{
    public Task<T> RunAsync<T>(long? totalFrames, Func<IReplayProgress, Task<T>> replay)
    {
        ArgumentNullException.ThrowIfNull(replay);
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new FrameRateColumn(totalFrames is not null),
                new RemainingTimeColumn(),
                new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("replay", maxValue: totalFrames is > 0 ? totalFrames.Value : 1);
                task.IsIndeterminate = totalFrames is null;
                var result = await replay(new TaskProgress(task)).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            });
    }

    private sealed class TaskProgress(ProgressTask task) : IReplayProgress
    {
        public void Report(long framesDone) => task.Value = task.IsIndeterminate ? 0 : Math.Min(framesDone, task.MaxValue);
    }

    /// <summary>Frames done and frames per second; Spectre's own speed column counts bytes.</summary>
    private sealed class FrameRateColumn(bool totalKnown) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var fps = task.Speed is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : "–";
            var frames = totalKnown
                ? $"{task.Value.ToString("0", CultureInfo.InvariantCulture)}/{task.MaxValue.ToString("0", CultureInfo.InvariantCulture)} frames"
                : "frames";
            return new Markup($"[grey]{frames}[/] [blue]{fps} fps[/]");
        }
    }
}

/// <summary>
/// For redirected output: one line per <c>percentStep</c> percent (or per <c>interval</c> when the total is unknown),
/// so a log keeps a readable trace of the run instead of thousands of carriage returns.
/// </summary>
public sealed class PlainTextReplayProgressDisplay(TextWriter output, TimeProvider time, int percentStep = 10, TimeSpan? interval = null) : IReplayProgressDisplay
{
    private readonly TextWriter _output = output;
    private readonly TimeProvider _time = time;
    private readonly int _percentStep = percentStep is > 0 and <= 100 ? percentStep : throw new ArgumentOutOfRangeException(nameof(percentStep));
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(10);

    public async Task<T> RunAsync<T>(long? totalFrames, Func<IReplayProgress, Task<T>> replay)
    {
        ArgumentNullException.ThrowIfNull(replay);
        var progress = new LineProgress(this, totalFrames, _time.GetTimestamp());
        var result = await replay(progress).ConfigureAwait(false);
        var elapsed = _time.GetElapsedTime(progress.Started);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"replay: done, {progress.Done} frames in {elapsed.TotalSeconds:0.0} s ({Fps(progress.Done, elapsed):0.0} fps)"));
        return result;
    }

    private static double Fps(long frames, TimeSpan elapsed) => elapsed > TimeSpan.Zero ? frames / elapsed.TotalSeconds : 0;

    private sealed class LineProgress(PlainTextReplayProgressDisplay owner, long? total, long started) : IReplayProgress
    {
        private long _lastStep;
        private TimeSpan _lastLine;

        public long Started => started;

        public long Done { get; private set; }

        public void Report(long framesDone)
        {
            Done = framesDone;
            var elapsed = owner._time.GetElapsedTime(started);
            var fps = Fps(framesDone, elapsed);
            if (total is > 0 and var t)
            {
                var step = Math.Min(framesDone, t) * 100 / t / owner._percentStep;
                if (step <= _lastStep)
                {
                    return;
                }

                _lastStep = step;
                var eta = fps > 0 ? TimeSpan.FromSeconds((t - Math.Min(framesDone, t)) / fps) : (TimeSpan?)null;
                owner._output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"replay: {step * owner._percentStep,3}% ({framesDone}/{t} frames), {fps:0.0} fps, ETA {(eta is { } e ? e.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "unknown")}"));
            }
            else if (elapsed - _lastLine >= owner._interval)
            {
                _lastLine = elapsed;
                owner._output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replay: {framesDone} frames, {fps:0.0} fps"));
            }
        }
    }
}
