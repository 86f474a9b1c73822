using EdgeInspect.Worker.Replay;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console;

namespace EdgeInspect.Worker.Tests.Replay;

public sealed class ReplayProgressTests
{
    [Fact]
    public async Task Plain_Text_Progress_Writes_One_Line_Per_Ten_Percent_With_Fps_And_Eta()
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter();
        var display = new PlainTextReplayProgressDisplay(output, time);

        var result = await display.RunAsync(200, progress =>
        {
            for (var frame = 1; frame <= 200; frame++)
            {
                time.Advance(TimeSpan.FromMilliseconds(10)); // 100 fps
                progress.Report(frame);
            }

            return Task.FromResult(42);
        });

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(42, result);
        Assert.Equal(11, lines.Length);
        Assert.Equal("replay:  10% (20/200 frames), 100.0 fps, ETA 00:00:01", lines[0]);
        Assert.Equal("replay:  50% (100/200 frames), 100.0 fps, ETA 00:00:01", lines[4]);
        Assert.Equal("replay: 100% (200/200 frames), 100.0 fps, ETA 00:00:00", lines[9]);
        Assert.Equal("replay: done, 200 frames in 2.0 s (100.0 fps)", lines[10]);
    }

    [Fact]
    public async Task Plain_Text_Progress_Without_A_Total_Writes_A_Line_Per_Interval()
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter();
        var display = new PlainTextReplayProgressDisplay(output, time, interval: TimeSpan.FromSeconds(1));

        await display.RunAsync<int>(null, progress =>
        {
            for (var frame = 1; frame <= 250; frame++)
            {
                time.Advance(TimeSpan.FromMilliseconds(20)); // 50 fps, 5 s in all
                progress.Report(frame);
            }

            return Task.FromResult(0);
        });

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(6, lines.Length);
        Assert.Equal("replay: 50 frames, 50.0 fps", lines[0]);
        Assert.Equal("replay: done, 250 frames in 5.0 s (50.0 fps)", lines[^1]);
    }

    [Fact]
    public async Task Spectre_Progress_Shows_Frames_Fps_And_Completes_The_Bar()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 140;

        var result = await new SpectreReplayProgressDisplay(console).RunAsync(50, async progress =>
        {
            for (var frame = 1; frame <= 50; frame++)
            {
                progress.Report(frame);
                await Task.Delay(2);
            }

            return "done";
        });

        Assert.Equal("done", result);
        var text = output.ToString();
        Assert.Contains("replay", text);
        Assert.Contains("50/50 frames", text);
        Assert.Contains("fps", text);
        Assert.Contains("100%", text);
    }
}
