using System.Globalization;
using System.Text.Json;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Replay;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace EdgeInspect.Worker.Tests.Replay;

/// <summary>
/// Runs only where Debian's chromium is installed (scripts/bootstrap.sh installs it); everywhere else it is
/// reported as skipped with the reason, never silently passed.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ChromiumPath))
        {
            Skip = $"{ChromiumPath} is missing; run bash scripts/bootstrap.sh (it installs Debian's chromium)";
        }
    }
}

[Trait("Category", "Integration")]
public sealed class ReportBrowserTests(ITestOutputHelper output)
{
    private static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private static readonly string[] Charts =
        ["chart-confusion", "chart-per-class", "chart-scores", "chart-latency-preprocess", "chart-latency-inference", "chart-latency-endToEnd", "chart-timeline"];

    [ChromiumFact]
    public async Task Report_Renders_In_Headless_Chromium_Offline_With_The_Numbers_Of_Report_Json()
    {
        using var dir = new TempDirectory("replay-browser");
        var report = SampleReplay.Build();
        var jsonPath = await ReportJsonWriter.WriteAsync(report, dir.Path);
        var htmlPath = await ReportHtmlWriter.WriteAsync(report, dir.Path);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(jsonPath));
        var root = json.RootElement;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var playwright = await Playwright.CreateAsync();
        await using var context = await playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(dir.Path, "profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumFactAttribute.ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Timeout = 30_000,
        });
        var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
        var outside = new List<string>();
        var problems = new List<string>();
        await page.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith("file:", StringComparison.Ordinal))
            {
                await route.ContinueAsync();
            }
            else
            {
                outside.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Add(message.Text);
            }
        };
        page.PageError += (_, error) => problems.Add(error);

        var launched = clock.Elapsed;
        await page.GotoAsync(new Uri(htmlPath).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });

        Assert.Empty(outside);
        Assert.Empty(problems);

        // Every chart is an SVG the browser laid out, with shapes inside it.
        foreach (var chart in Charts)
        {
            var svg = page.Locator($"svg[data-testid='{chart}']");
            Assert.Equal(1, await svg.CountAsync());
            var box = await svg.BoundingBoxAsync();
            Assert.True(box is { Width: > 100, Height: > 100 }, $"{chart} box {box?.Width}x{box?.Height}");
            var shapes = await svg.EvaluateAsync<int>("s => [...s.querySelectorAll('rect,line,polyline,path')].filter(e => { const b = e.getBBox(); return b.width > 0 || b.height > 0; }).length");
            Assert.True(shapes > 5, $"{chart} has {shapes} drawn shapes");
        }

        // Key numbers: what the page says equals what report.json says. One round trip reads them all.
        var shown = await page.EvaluateAsync<Dictionary<string, string[]>>(
            "() => Object.fromEntries([...document.querySelectorAll('[data-value]')].map(e => [e.dataset.testid, [e.dataset.value, (e.querySelector('text') ?? e).textContent.trim()]]))");
        Assert.Equal(root.GetProperty("run").GetProperty("frames").GetInt64(), long.Parse(shown["frames"][0], CultureInfo.InvariantCulture));
        Assert.Equal("150", shown["frames"][1]);
        var evaluation = root.GetProperty("evaluation");
        var accuracy = evaluation.GetProperty("accuracy").GetDouble();
        Assert.Equal(accuracy, double.Parse(shown["accuracy"][0], CultureInfo.InvariantCulture));
        Assert.Equal((accuracy * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%", shown["accuracy"][1]);
        Assert.Equal(evaluation.GetProperty("binary").GetProperty("defectRecall").GetDouble(), double.Parse(shown["defect-recall"][0], CultureInfo.InvariantCulture));
        Assert.Equal(evaluation.GetProperty("binary").GetProperty("falseAlarmRate").GetDouble(), double.Parse(shown["false-alarm-rate"][0], CultureInfo.InvariantCulture));

        var classes = evaluation.GetProperty("classes");
        for (var c = 0; c < classes.GetArrayLength(); c++)
        {
            foreach (var metric in new[] { "precision", "recall" })
            {
                var expected = classes[c].GetProperty(metric).GetDouble();
                Assert.Equal(expected, double.Parse(shown[$"{metric}-{c}"][0], CultureInfo.InvariantCulture));
                Assert.Equal(expected, double.Parse(shown[$"bar-{metric}-{c}"][0], CultureInfo.InvariantCulture));
                Assert.Equal((expected * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%", shown[$"{metric}-{c}"][1]);
            }

            Assert.Equal(classes[c].GetProperty("support").GetInt64().ToString(CultureInfo.InvariantCulture), shown[$"support-{c}"][1]);
        }

        var matrix = evaluation.GetProperty("confusionMatrix");
        for (var t = 0; t < matrix.GetArrayLength(); t++)
        {
            for (var p = 0; p < matrix[t].GetArrayLength(); p++)
            {
                var expected = matrix[t][p].GetInt64().ToString(CultureInfo.InvariantCulture);
                Assert.Equal([expected, expected], shown[$"cm-{t}-{p}"]);
            }
        }

        var binary = evaluation.GetProperty("binary");
        foreach (var (id, field) in new[] { ("binary-tp", "truePositives"), ("binary-fn", "falseNegatives"), ("binary-fp", "falsePositives"), ("binary-tn", "trueNegatives") })
        {
            var expected = binary.GetProperty(field).GetInt64().ToString(CultureInfo.InvariantCulture);
            Assert.Equal([expected, expected], shown[id]);
        }

        var cellSizes = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('[data-testid^=cm-] rect')].map(r => Math.min(r.getBoundingClientRect().width, r.getBoundingClientRect().height))");
        Assert.Equal(matrix.GetArrayLength() * matrix.GetArrayLength(), cellSizes.Length);
        Assert.All(cellSizes, size => Assert.True(size > 10, $"a confusion cell is {size} px"));

        var e2e = root.GetProperty("latency").GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "endToEnd");
        Assert.Equal(e2e.GetProperty("p95Ms").GetDouble(), double.Parse(shown["latency-endToEnd-p95"][0], CultureInfo.InvariantCulture));

        // The brightness alert is drawn where it happened: inside the timeline, at its frame, left of where it clears.
        var timelineBox = (await page.GetByTestId("chart-timeline").BoundingBoxAsync())!;
        var raised = page.Locator("[data-testid='alert-marker'][data-state='raised']");
        Assert.Equal(1, await raised.CountAsync());
        Assert.Equal(SampleReplay.AlertRaisedAt.ToString(CultureInfo.InvariantCulture), await raised.GetAttributeAsync("data-frame"));
        Assert.Equal(root.GetProperty("timeline").GetProperty("alerts")[0].GetProperty("frameIndex").GetInt64().ToString(CultureInfo.InvariantCulture), await raised.GetAttributeAsync("data-frame"));
        Assert.Equal("brightness", await raised.GetAttributeAsync("data-metric"));
        var raisedLine = (await raised.Locator("line").BoundingBoxAsync())!;
        var clearedLine = (await page.Locator("[data-testid='alert-marker'][data-state='cleared'] line").BoundingBoxAsync())!;
        Assert.True(raisedLine.Height > timelineBox.Height / 2, "the raised marker spans the metric panels");
        Assert.InRange(raisedLine.X, timelineBox.X, timelineBox.X + timelineBox.Width);
        Assert.True(raisedLine.X < clearedLine.X, "raised is drawn before cleared");
        Assert.True(await page.GetByTestId("alert-span").BoundingBoxAsync() is { Width: > 10 }, "the active span is shaded");
        Assert.Equal("1", shown["alerts"][0]);

        // Disagreements: one row per listed frame, each with a thumbnail the browser decoded.
        var rows = page.GetByTestId("disagreement-row");
        Assert.Equal(root.GetProperty("disagreements").GetProperty("frames").GetArrayLength(), await rows.CountAsync());
        var decoded = await page.EvaluateAsync<int[]>("() => [...document.querySelectorAll('[data-testid=disagreement-row] img')].map(i => i.complete ? i.naturalWidth : 0)");
        Assert.Equal(SampleReplay.Mistakes.Count, decoded.Length);
        Assert.All(decoded, width => Assert.Equal(640, width));

        var shots = Path.Combine(AppContext.BaseDirectory, "replay-report");
        Directory.CreateDirectory(shots);
        var screenshot = Path.Combine(shots, "report.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        File.Copy(htmlPath, Path.Combine(shots, ReportHtmlWriter.FileName), overwrite: true);
        File.Copy(jsonPath, Path.Combine(shots, ReportJsonWriter.FileName), overwrite: true);
        Assert.True(new FileInfo(screenshot).Length > 10_000);
        output.WriteLine($"screenshot: {screenshot}");
        output.WriteLine($"chromium launched in {launched.TotalSeconds:0.0} s; checks and screenshot done at {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
