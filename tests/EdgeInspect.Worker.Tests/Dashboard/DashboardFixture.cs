using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Dashboard;
using EdgeInspect.Worker.Tests.Pipeline;
using EdgeInspect.Worker.Demo;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Tests.Link;
using EdgeInspect.Worker.Tests.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace EdgeInspect.Worker.Tests.Dashboard;

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard station";
}

/// <summary>
/// One real station for every dashboard test: a mosquitto broker on a loopback port, the reference model on a video of
/// the repository's holdout frames played in a loop at 12 fps, a scripted inspector that errs on 10% of parts (so
/// there are disagreements to save), the plant link, and the dashboard on a free port with a token. A gateway
/// subscriber hears everything the station publishes. Chromium is started once, on first use, for the browser tests.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string Token = "dashboard-test-token-0123456789";

    private readonly TempDirectory _dir = new("edgeinspect-dashboard");
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _browserGate = new(1, 1);
    private ServiceProvider _services = null!;
    private Task _run = Task.CompletedTask;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public MosquittoBroker Broker { get; private set; } = null!;

    internal GatewaySubscriber Gateway { get; private set; } = null!;

    public StationRuntime Runtime { get; private set; } = null!;

    public PlantLink Plant { get; private set; } = null!;

    public DashboardServer Server { get; private set; } = null!;

    public DashboardFeed Feed { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    public string Work => _dir.Path;

    public string SamplesFolder => Path.Combine(_dir.Path, "samples");

    public string BaseTopic => "edgeinspect/test/a1/l1/st-dash";

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions(), Path.Combine(_dir.Path, "broker"));
        var holdout = RepoPaths.PhoneSet("holdout");
        var video = _dir.File("line.avi");
        using (var writer = CvVideoWriter.Open(video, "MJPG", 10, 640, 480))
        {
            foreach (var file in Directory.GetFiles(Path.Combine(holdout, "frames"), "*.jpg").Order(StringComparer.Ordinal))
            {
                writer.Write(CvImage.Read(file));
            }
        }

        var config = new JsonObject
        {
            ["station"] = new JsonObject { ["deviceId"] = "dev-dash", ["site"] = "test", ["area"] = "a1", ["line"] = "l1", ["name"] = "st-dash", ["configRevision"] = "dash-1" },
            ["automation"] = new JsonObject { ["mode"] = "shadow", ["auditFraction"] = 0.02, ["verdictTimeout"] = "00:00:05" },
            ["capture"] = new JsonObject { ["cameraId"] = "cam-dash", ["source"] = $"file:{video}", ["endOfStream"] = "loop", ["targetFps"] = 12 },
            ["model"] = new JsonObject { ["package"] = Path.Combine(RepoPaths.Models, "reference"), ["modelsFolder"] = RepoPaths.Models, ["inference"] = new JsonObject { ["intraOpThreads"] = 1 } },
            ["link"] = new JsonObject { ["host"] = "127.0.0.1", ["port"] = Broker.Port },
            ["outbox"] = new JsonObject { ["path"] = Path.Combine(_dir.Path, "outbox.db") },
            ["inspector"] = new JsonObject
            {
                ["backend"] = "scripted",
                ["scripted"] = new JsonObject { ["position"] = "left", ["inspectorId"] = "ana", ["errorRate"] = 0.1, ["responseDelay"] = "00:00:00.010", ["responseJitter"] = "00:00:00.005", ["seed"] = 5 },
            },
            ["samples"] = new JsonObject { ["folder"] = SamplesFolder, ["randomFraction"] = 0.0, ["saveDisagreements"] = true, ["saveUncertain"] = true },
            ["pipeline"] = new JsonObject { ["labels"] = Path.Combine(holdout, "labels.csv"), ["metricsInterval"] = "00:00:01" },
            ["dashboard"] = new JsonObject { ["url"] = "http://127.0.0.1:0", ["token"] = Token, ["updateInterval"] = "00:00:00.250" },
        };
        var loaded = StationConfigLoader.CreateDefault().LoadJson(config.ToJsonString(), "dashboard test station");
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));

        Gateway = await GatewaySubscriber.StartAsync(Broker.Port, BaseTopic + "/#", "dashboard-gateway");
        var services = new ServiceCollection();
        services.AddEdgeInspectStation(loaded.Config).AddPlantLink().AddDashboard(loaded.Config);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });
        Runtime = _services.GetRequiredService<StationRuntime>();
        Plant = _services.GetRequiredService<PlantLink>();
        Server = _services.GetRequiredService<DashboardServer>();
        Feed = _services.GetRequiredService<DashboardFeed>();
        Url = await Server.StartAsync(CancellationToken.None);
        Http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
        _run = Task.Run(() => Runtime.RunAsync(_stop.Token));
        await Wait.UntilAsync(() => Feed.Parts >= 10 || _run.IsCompleted, "the station's first parts", TimeSpan.FromSeconds(90));
        Assert.False(_run.IsCompleted, $"the station stopped: {_run.Exception}");
    }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    /// <summary>A client that carries the token (Authorization: Bearer).</summary>
    public HttpRequestMessage Authorized(HttpMethod method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    /// <summary>The one headless Chromium of the test run, started on first use.</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        await _browserGate.WaitAsync();
        try
        {
            if (_browser is null)
            {
                _playwright = await Playwright.CreateAsync();
                _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = ChromiumFactAttribute.ChromiumPath,
                    Headless = true,
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
                    Timeout = 60_000,
                });
            }

            return _browser;
        }
        finally
        {
            _browserGate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Http?.Dispose();
        await _stop.CancelAsync();
        await _run;
        if (Server is not null)
        {
            await Server.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
        await Gateway.DisposeAsync();
        Broker.Dispose();
        _stop.Dispose();
        _dir.Dispose();
    }
}
