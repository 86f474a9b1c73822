using System.Net.Http.Json;
using System.Text.Json;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Tests.Pipeline;
using EdgeInspect.Worker.Tests.Replay;
using Microsoft.Playwright;

namespace EdgeInspect.Worker.Tests.Dashboard;

/// <summary>
/// The page in a real headless Chromium (Debian's, driven by Playwright) against the real station of
/// <see cref="DashboardFixture"/>. Each test waits on what it expects to see (a selector, a data attribute, an MQTT
/// message), never on a fixed sleep. Screenshots of each view go to docs/dashboard/ when
/// EDGEINSPECT_DASHBOARD_SCREENSHOTS=1 (docs/dashboard.md says how they were taken), otherwise to the temp folder.
/// </summary>
[Collection(DashboardCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DashboardBrowserTests(DashboardFixture fixture)
{
    private const float Timeout = 30_000;

    [ChromiumFact]
    public async Task Page_Loads_With_No_Console_Errors_And_Shows_The_Live_Status()
    {
        await using var session = await OpenAsync();
        var page = session.Page;
        await page.WaitForFunctionAsync("() => Number(document.body.dataset.ticks) >= 2", null, new() { Timeout = Timeout });

        using (var status = JsonDocument.Parse(await fixture.Http.GetStringAsync("/api/status")))
        {
            Assert.Equal(status.RootElement.GetProperty("mode").GetString(), await page.Locator("#mode").GetAttributeAsync("data-value"));
        }

        Assert.Equal("live updates: on", await page.Locator("#feed-state").TextContentAsync());
        Assert.Contains("phone-cover-defects", await page.Locator("#models").TextContentAsync());
        Assert.Contains("connected", await page.Locator("#link").TextContentAsync());
        Assert.Contains("inference", await page.Locator("#latency").TextContentAsync());
        await session.ScreenshotAsync("status");
        foreach (var view in new[] { "quality", "drift" })
        {
            await page.ClickAsync($"nav button[data-view='{view}']");
            await page.Locator($"#view-{view}").WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = Timeout });
            await session.ScreenshotAsync(view);
        }

        Assert.Contains("agreement with the inspector", await page.Locator("#gate").TextContentAsync());
        session.AssertNoProblems();
    }

    [ChromiumFact]
    public async Task Charts_Update_As_Parts_Flow()
    {
        await using var session = await OpenAsync();
        var page = session.Page;
        await page.WaitForFunctionAsync("() => Number(document.getElementById('chart-fps').dataset.points) > 0", null, new() { Timeout = Timeout });
        var points = int.Parse((await page.Locator("#chart-fps").GetAttributeAsync("data-points"))!);
        var parts = long.Parse((await page.Locator("#parts").GetAttributeAsync("data-value"))!);

        // More points on the chart, more parts in the status, and the chart's canvas exists: dygraphs received data.
        await page.WaitForFunctionAsync("([p, n]) => Number(document.getElementById('chart-fps').dataset.points) > p && Number(document.getElementById('parts').dataset.value) > n",
            new[] { points, parts }, new() { Timeout = Timeout });
        var lastFps = await page.EvaluateAsync<double>("() => { const d = timeline.slice(-8).map(p => p.fps); return Math.max(...d); }");
        Assert.True(lastFps > 0, $"the last points' throughput is {lastFps} parts/s while parts flow");
        Assert.True(fixture.Feed.Parts > parts, "the station decided more parts meanwhile");
        var drawn = await page.EvaluateAsync<bool>("() => { const c = document.querySelector('#chart-latency canvas'); return !!c && c.width > 100; }");
        Assert.True(drawn, "the latency chart has a canvas");
        session.AssertNoProblems();
    }

    [ChromiumFact]
    public async Task A_Mode_Change_Made_In_The_Page_Reaches_Mqtt_As_An_Event_And_Shows_In_The_Status()
    {
        await using var session = await OpenAsync();
        var page = session.Page;
        await LoginAsync(page);
        await page.SelectOptionAsync("#mode-select", "assist");
        await page.FillAsync("#mode-reason", "dashboard test");
        await page.ClickAsync("#set-mode");

        await page.WaitForFunctionAsync("() => document.getElementById('answer').dataset.verb === 'set-mode'", null, new() { Timeout = Timeout });
        Assert.Equal("true", await page.Locator("#answer").GetAttributeAsync("data-accepted"));
        var audit = await fixture.Gateway.WaitForAsync(m => m.Topic == fixture.BaseTopic + "/event" && m.Body.GetProperty("type").GetString() == "command"
            && m.Body.GetProperty("detail").GetProperty("via").GetString() == "dashboard" && m.Body.GetProperty("detail").GetProperty("verb").GetString() == "set-mode",
            TimeSpan.FromSeconds(30));
        Assert.Equal("accepted", audit.Body.GetProperty("detail").GetProperty("outcome").GetString());
        var response = await fixture.Gateway.WaitForAsync(m => m.Topic == fixture.BaseTopic + "/cmd/response"
            && m.Body.GetProperty("correlationId").GetString() == audit.Body.GetProperty("detail").GetProperty("correlationId").GetString(), TimeSpan.FromSeconds(30));
        Assert.True(response.Body.GetProperty("accepted").GetBoolean());

        await page.ClickAsync("nav button[data-view='status']");
        await page.WaitForFunctionAsync("() => document.getElementById('mode').dataset.value === 'assist'", null, new() { Timeout = Timeout });
        using var status = JsonDocument.Parse(await fixture.Http.GetStringAsync("/api/status"));
        Assert.Equal("assist", status.RootElement.GetProperty("mode").GetString());
        session.AssertNoProblems();
    }

    [ChromiumFact]
    public async Task Promote_Asks_For_Confirmation_And_Sends_Nothing_When_Cancelled()
    {
        await using var session = await OpenAsync();
        var page = session.Page;
        await LoginAsync(page);
        var before = fixture.Plant.Commands.Accepted + fixture.Plant.Commands.Rejected;
        await page.ClickAsync("#promote");
        await page.Locator("#confirm").WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = Timeout });
        Assert.Contains("Promote", await page.Locator("#confirm-text").TextContentAsync());
        await session.ScreenshotAsync("controls");
        await page.ClickAsync("[data-testid='confirm-cancel']");
        await page.Locator("#confirm").WaitForAsync(new() { State = WaitForSelectorState.Hidden, Timeout = Timeout });
        Assert.Equal("no command sent yet", await page.Locator("#answer").TextContentAsync());
        Assert.Equal(before, fixture.Plant.Commands.Accepted + fixture.Plant.Commands.Rejected);

        // Confirmed, it goes to the dispatcher, which refuses it: no candidate is loaded.
        await page.ClickAsync("#promote");
        await page.ClickAsync("[data-testid='confirm-ok']");
        await page.WaitForFunctionAsync("() => document.getElementById('answer').dataset.verb === 'promote'", null, new() { Timeout = Timeout });
        Assert.Equal("false", await page.Locator("#answer").GetAttributeAsync("data-accepted"));
        Assert.Contains("no candidate is loaded", await page.Locator("#answer").TextContentAsync());
        session.AssertNoProblems();
    }

    [ChromiumFact]
    public async Task A_Sample_Opens_With_Its_Image_The_Models_Output_The_Human_Verdict_And_The_Part_Id()
    {
        await Wait.UntilAsync(() => Directory.Exists(fixture.SamplesFolder) && Directory.EnumerateFiles(fixture.SamplesFolder, "*.json").Any(), "a saved sample", TimeSpan.FromSeconds(90));
        await using var session = await OpenAsync();
        var page = session.Page;
        await page.ClickAsync("nav button[data-view='samples']");
        var tile = page.Locator("[data-testid='sample-tile']").First;
        await tile.WaitForAsync(new() { Timeout = Timeout });
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.tile img')].slice(0, 4).every(i => i.complete && i.naturalWidth > 0)", null, new() { Timeout = Timeout });
        await session.ScreenshotAsync("samples");
        var id = await tile.GetAttributeAsync("data-id");
        await tile.ClickAsync();

        var dialog = page.Locator("#sample-dialog");
        await dialog.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = Timeout });
        await page.WaitForFunctionAsync("() => { const i = document.getElementById('sample-image'); return i.complete && i.naturalWidth > 0; }", null, new() { Timeout = Timeout });
        var sample = (await fixture.Http.GetFromJsonAsync<JsonElement>("/api/samples?kind=all")).GetProperty("samples").EnumerateArray().First(s => s.GetProperty("id").GetString() == id);
        var detail = await page.Locator("#sample-detail").TextContentAsync();
        Assert.Contains(sample.GetProperty("partId").GetString()!, detail);
        Assert.Contains("human verdict" + sample.GetProperty("human").GetProperty("verdict").GetString(), detail);
        Assert.Contains("model output" + sample.GetProperty("model").GetProperty("class").GetString(), detail);
        Assert.Equal(sample.GetProperty("partId").GetString(), await dialog.GetAttributeAsync("data-part-id"));
        await session.ScreenshotAsync("sample");
        session.AssertNoProblems();
    }

    private async Task LoginAsync(IPage page)
    {
        await page.ClickAsync("nav button[data-view='controls']");
        await page.Locator("#login").WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = Timeout });
        await page.FillAsync("[data-testid='token']", DashboardFixture.Token);
        // The form posts, the station sets the cookie and sends the browser back to the page, which asks for its session.
        await page.RunAndWaitForRequestFinishedAsync(() => page.ClickAsync("[data-testid='login-submit']"),
            new() { Predicate = r => r.Url.EndsWith("/api/session", StringComparison.Ordinal), Timeout = Timeout });
        await page.ClickAsync("nav button[data-view='controls']");
        try
        {
            await page.Locator("#controls").WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = Timeout });
        }
        catch (TimeoutException)
        {
            var seen = await page.EvaluateAsync<string>("() => fetch('/api/session').then(r => r.text())");
            var cookies = string.Join("; ", (await page.Context.CookiesAsync()).Select(c => c.Name));
            Assert.Fail($"logged in, yet no controls at {page.Url}; the page's session: {seen}; cookies: {cookies}");
        }
    }

    private async Task<Session> OpenAsync()
    {
        var browser = await fixture.BrowserAsync();
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1200, Height = 860 }, BaseURL = fixture.Url.ToString() });
        var page = await context.NewPageAsync();
        var session = new Session(context, page);
        await page.RouteAsync("**/*", async route =>
        {
            if (new Uri(route.Request.Url).Authority == fixture.Url.Authority)
            {
                await route.ContinueAsync();
            }
            else
            {
                session.Problems.Add("request outside the station: " + route.Request.Url);
                await route.AbortAsync();
            }
        });
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                session.Problems.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => session.Problems.Add("page error: " + error);
        await page.GotoAsync("/", new() { WaitUntil = WaitUntilState.Load, Timeout = Timeout });
        await page.WaitForFunctionAsync("() => document.getElementById('feed-state').textContent === 'live updates: on'", null, new() { Timeout = Timeout });
        return session;
    }

    private sealed class Session(IBrowserContext context, IPage page) : IAsyncDisposable
    {
        public IPage Page { get; } = page;

        public List<string> Problems { get; } = [];

        public void AssertNoProblems() => Assert.True(Problems.Count == 0, string.Join(Environment.NewLine, Problems));

        public async Task ScreenshotAsync(string view)
        {
            var docs = Environment.GetEnvironmentVariable("EDGEINSPECT_DASHBOARD_SCREENSHOTS") == "1";
            var folder = docs ? Path.Combine(RepoPaths.Root, "docs", "dashboard") : Path.Combine(Path.GetTempPath(), "edgeinspect-dashboard-screenshots");
            Directory.CreateDirectory(folder);
            var bytes = await Page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{view}.png"), FullPage = false, Scale = ScreenshotScale.Css });
            Assert.True(bytes.Length > 1000, $"the {view} screenshot has {bytes.Length} bytes");
        }

        public async ValueTask DisposeAsync() => await context.DisposeAsync();
    }
}
