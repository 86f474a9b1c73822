using System.Text;
using System.Text.Json;
using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Cli;
using EdgeInspect.Worker.Replay;

namespace EdgeInspect.Worker.Tests.Replay;

/// <summary>`edgeinspect replay` through the real pipeline, reference model and OpenCV, on the repository's frames.</summary>
[Trait("Category", "Integration")]
public sealed class ReplayCommandTests
{
    [Fact]
    public async Task Replay_Of_The_Holdout_Subset_Reports_At_Least_97_Percent_Accuracy()
    {
        using var dir = new TempDirectory("edgeinspect-replay");
        var output = new StringWriter();

        var exit = await ReplayCommand.RunAsync(RepoPaths.PhoneSet("holdout"), null, Path.Combine(RepoPaths.Models, "reference"), "shadow", dir.Path,
            new PlainTextReplayProgressDisplay(TextWriter.Null, TimeProvider.System), output, output, CancellationToken.None);

        Assert.Equal(ExitCodes.Ok, exit);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(dir.File("report.json")));
        Assert.Equal(150, report.RootElement.GetProperty("run").GetProperty("frames").GetInt64());
        Assert.True(report.RootElement.GetProperty("evaluation").GetProperty("accuracy").GetDouble() >= 0.97, output.ToString());
        Assert.True(File.Exists(dir.File("report.html")));
    }

    [Fact]
    public async Task Replay_Of_Frames_Whose_Light_Dims_Marks_A_Brightness_Alert_And_One_Lighting_Incident_On_The_Timeline()
    {
        using var dir = new TempDirectory("edgeinspect-replay-dim");
        var holdout = RepoPaths.PhoneSet("holdout");
        var files = Directory.GetFiles(Path.Combine(holdout, "frames"), "*.jpg").Order(StringComparer.Ordinal).ToArray();
        var rows = File.ReadAllLines(Path.Combine(holdout, "labels.csv"));
        var labels = new StringBuilder(rows[0]).Append('\n');
        var video = dir.File("line.avi");
        var index = 0;
        // 150 frames in normal light, then the same frames twice at 55% brightness (a factory light change).
        using (var writer = CvVideoWriter.Open(video, "MJPG", 10, 640, 480))
        {
            foreach (var gain in new[] { 1.0, 0.55, 0.55 })
            {
                for (var i = 0; i < files.Length; i++)
                {
                    var frame = CvImage.Read(files[i]);
                    var pixels = frame.Pixels;
                    for (var p = 0; p < pixels.Length; p++)
                    {
                        pixels[p] = (byte)Math.Round(pixels[p] * gain);
                    }

                    writer.Write(frame);
                    var cells = rows[i + 1].Split(',');
                    cells[0] = $"frames/{index++:D5}.jpg";
                    labels.Append(string.Join(',', cells)).Append('\n');
                }
            }
        }

        await File.WriteAllTextAsync(dir.File("labels.csv"), labels.ToString());
        var reportDir = Path.Combine(dir.Path, "report");

        var exit = await ReplayCommand.RunAsync(video, dir.File("labels.csv"), Path.Combine(RepoPaths.Models, "reference"), "shadow", reportDir,
            new PlainTextReplayProgressDisplay(TextWriter.Null, TimeProvider.System), TextWriter.Null, TextWriter.Null, CancellationToken.None);

        Assert.Equal(ExitCodes.Ok, exit);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(reportDir, "report.json")));
        var alerts = report.RootElement.GetProperty("timeline").GetProperty("alerts").EnumerateArray().ToList();
        var brightness = alerts.Where(a => a.GetProperty("metric").GetString() == "brightness" && a.GetProperty("state").GetString() == "raised").ToList();
        Assert.NotEmpty(brightness);
        // Raised after the light changed at frame 150, and within 300 frames of it.
        Assert.All(brightness, a => Assert.InRange(a.GetProperty("frameIndex").GetInt64(), 150, 450));

        // The alerts are grouped: one lighting incident, listed first in the report, and a band on its timeline.
        var incident = Assert.Single(report.RootElement.GetProperty("incidents").EnumerateArray());
        Assert.Equal("lighting", incident.GetProperty("diagnosis").GetProperty("class").GetString());
        Assert.InRange(incident.GetProperty("raisedFrame").GetInt64(), 150, 300);
        Assert.Contains(incident.GetProperty("members").EnumerateArray(), m => m.GetProperty("metric").GetString() == "brightness");
        Assert.True(incident.GetProperty("members").GetArrayLength() > 1, "the brightness alerts and their companions are members");
        var html = await File.ReadAllTextAsync(Path.Combine(reportDir, "report.html"));
        Assert.Contains("brightness", html);
        Assert.Contains("alert-marker", html);
        Assert.Contains("data-testid=\"incident-band\"", html);
        Assert.True(html.IndexOf("data-testid=\"incidents\"", StringComparison.Ordinal) < html.IndexOf("chart-confusion", StringComparison.Ordinal), "incidents come first");
    }
}
