using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Hosting;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using LinkOptions = EdgeInspect.Worker.Link.LinkOptions;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>
/// The station's web server: the page, its API (status, SSE, samples, commands), /healthz, /readyz and /metrics, on
/// its own Kestrel, started and stopped by whoever runs the station (`run`'s host, `demo`, a test), so it can outlive
/// the pipeline.
/// </summary>
/// <remarks>
/// <para>Nothing here can change the station except <c>POST /api/commands/{verb}</c>, which goes through the plant
/// link's <see cref="CommandLoop.AnswerAsync(string, ReadOnlyMemory{byte}, string, CancellationToken)"/>: the same
/// dispatcher (allow-list, schema), the same audit event on MQTT, the same answer as <c>cmd/{verb}</c>. Where commands
/// must be signed (<c>link:commandHmacKeyHex</c>), the server signs with the station's own key after the token check,
/// so the token is what guards the dashboard and the key is not needed in a browser.</para>
/// <para>Its own thread pool work only: the feed's tick, and a request's reads of snapshots. A slow client costs its
/// own SSE queue (see <see cref="DashboardFeed"/>).</para>
/// </remarks>
public sealed class DashboardServer : IAsyncDisposable, IDisposable
{
    private const int MaxCommandBytes = 16 * 1024;

    private readonly DashboardOptions _options;
    private readonly StationView _view;
    private readonly DashboardFeed _feed;
    private readonly StationTelemetry _telemetry;
    private readonly SampleGallery _gallery;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly DashboardAuth _auth;
    private readonly DashboardAssets _assets = DashboardAssets.Load();
    private readonly CancellationTokenSource _stop = new();
    private WebApplication? _app;
    private Task? _tick;

    public DashboardServer(DashboardOptions options, string? token, StationView view, DashboardFeed feed, StationTelemetry telemetry, SampleGallery gallery,
        TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _view = view;
        _feed = feed;
        _telemetry = telemetry;
        _gallery = gallery;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<DashboardServer>();
        _auth = new DashboardAuth(token, options.SessionLifetime, time);
    }

    /// <summary>The address it listens on, once started (with the port Kestrel chose when the URL says port 0).</summary>
    public Uri? Url { get; private set; }

    public DashboardAuth Auth => _auth;

    /// <summary>The token from dashboard:token or the first line of dashboard:tokenFile; null when neither is set.</summary>
    /// <exception cref="StationStartupException">The token file cannot be read or its token is too short.</exception>
    public static string? ReadToken(DashboardOptions options)
    {
        if (options.Token.Length > 0)
        {
            return options.Token;
        }

        if (options.TokenFile.Length == 0)
        {
            return null;
        }

        string token;
        try
        {
            token = File.ReadLines(options.TokenFile).FirstOrDefault()?.Trim() ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StationStartupException($"dashboard.tokenFile: cannot read '{options.TokenFile}' ({e.Message}). Fix: write the token on the file's first line, "
                + "readable by the service, or remove tokenFile for a read-only dashboard.", e);
        }

        if (token.Length < DashboardOptions.MinTokenLength || token.Any(char.IsWhiteSpace))
        {
            throw new StationStartupException($"dashboard.tokenFile: the token in '{options.TokenFile}' is {token.Length} characters long or holds a space. "
                + $"Fix: at least {DashboardOptions.MinTokenLength} characters without spaces on the first line (for example `openssl rand -hex 16 > {options.TokenFile}`).");
        }

        return token;
    }

    /// <summary>Binds and starts serving; returns the URL to open.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="anyPortIfTaken">When the configured port is taken, take a free one instead (the demo, which must not fail for a busy 8080).</param>
    /// <exception cref="StationStartupException">The address is taken or cannot be bound.</exception>
    public async Task<Uri> StartAsync(CancellationToken cancellationToken, bool anyPortIfTaken = false)
    {
        var (address, port) = DashboardOptions.ParseUrl(_options.Url) ?? throw new StationStartupException($"dashboard.url: '{_options.Url}' is not an http URL with an address and a port");
        try
        {
            return await StartOnAsync(address, port, cancellationToken);
        }
        catch (StationStartupException) when (anyPortIfTaken && port != 0)
        {
            _logger.LogWarning("Dashboard: {Url} is taken; serving on a free port instead", _options.Url);
            return await StartOnAsync(address, 0, cancellationToken);
        }
    }

    private async Task<Uri> StartOnAsync(IPAddress address, int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "edgeinspect-dashboard", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggers);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64 * 1024;
            k.Listen(address, port, l => l.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        Map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new StationStartupException($"dashboard.url: cannot listen on {_options.Url} ({e.Message}). Fix: choose a free port, or set dashboard.enabled to false.", e);
        }

        _app = app;
        var bound = app.Urls.FirstOrDefault() ?? _options.Url;
        var uri = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        Url = uri;
        _tick = Task.Run(() => _feed.RunAsync(_view, _stop.Token), CancellationToken.None);
        if (!_assets.HasCharts)
        {
            _logger.LogWarning("Dashboard built without dygraphs (Debian libjs-dygraphs): its charts are missing. Fix: run bash scripts/bootstrap.sh (or apt-get install libjs-dygraphs), then build again.");
        }

        return uri;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_tick is not null)
        {
            await _tick;
        }

        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken);
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stop.Dispose();
    }

    /// <summary>For a container disposed synchronously (`using var host`): stops as <see cref="DisposeAsync"/> does.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin"; // "no-referrer" would make Chromium send "Origin: null" on the login form
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";
            headers.CacheControl = "no-store";
            await next(context);
        });

        if (_telemetry.Provider is { } provider && _telemetry.Prometheus)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(provider, context => context.Request.Path == "/metrics", null, null, null);
        }

        app.MapGet("/", context => Asset(context, "index.html"));
        app.MapGet("/assets/{**name}", (HttpContext context, string name) => Asset(context, name));
        app.MapGet("/healthz", Health);
        app.MapGet("/readyz", Ready);
        app.MapGet("/api/status", (HttpContext context) => JsonAsync(context, _feed.Status()));
        app.MapGet("/api/session", Session);
        app.MapGet("/api/events", Events);
        app.MapGet("/api/samples", (HttpContext context) => JsonAsync(context, _gallery.List(context.Request.Query["kind"].FirstOrDefault() ?? "disagreement,uncertain")));
        app.MapGet("/api/samples/{**name}", Sample);
        app.MapPost("/api/commands/{verb}", Command);
        app.MapPost("/login", Login);
        app.MapPost("/logout", Logout);
    }

    private Task Asset(HttpContext context, string name)
    {
        if (_assets.Find(name) is not { } asset)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        context.Response.ContentType = asset.ContentType;
        context.Response.Headers.ETag = asset.ETag;
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.Body.WriteAsync(asset.Bytes).AsTask();
    }

    /// <summary>Liveness: the process serves, and a running station's output stage is not stuck.</summary>
    private Task Health(HttpContext context)
    {
        var stalled = _view.State == StationRunState.Running && _feed.SinceLastOutput > _options.StallAfter;
        context.Response.StatusCode = stalled ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        return JsonAsync(context, new JsonObject
        {
            ["status"] = stalled ? "stalled" : "ok",
            ["station"] = _view.State.ToString().ToLowerInvariant(),
            ["sinceLastOutputS"] = Json.Number(_feed.SinceLastOutput.TotalSeconds, 1),
        }, setStatus: false);
    }

    /// <summary>Readiness: the camera delivers, a model is loaded, and the outbox takes records (a broker that is down still leaves it ready while the outbox has room).</summary>
    private Task Ready(HttpContext context)
    {
        var camera = _feed.Camera;
        var model = _view.ActiveModel;
        var outbox = _view.OutboxHasRoom;
        var running = _view.State == StationRunState.Running;
        var ready = running && camera.Up && model is not null && outbox != false;
        context.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        return JsonAsync(context, new JsonObject
        {
            ["ready"] = ready,
            ["station"] = _view.State.ToString().ToLowerInvariant(),
            ["camera"] = new JsonObject { ["up"] = camera.Up, ["state"] = camera.State, ["detail"] = camera.Detail },
            ["model"] = new JsonObject { ["up"] = model is not null, ["active"] = model?.ToString() },
            ["outbox"] = new JsonObject { ["up"] = outbox != false, ["present"] = outbox is not null, ["linkConnected"] = _view.Plant?.Link.IsConnected },
        }, setStatus: false);
    }

    private Task Session(HttpContext context) => JsonAsync(context, new JsonObject
    {
        ["controls"] = _auth.ControlsEnabled && _view.Plant is not null,
        ["tokenConfigured"] = _auth.ControlsEnabled,
        ["loggedIn"] = _auth.CsrfOf(context) is not null,
        ["csrf"] = _auth.CsrfOf(context),
        ["csrfHeader"] = DashboardAuth.CsrfHeader,
        ["verbs"] = _view.Plant is null ? new JsonArray() : new JsonArray([.. _view.Plant.Dispatcher.Verbs.Order(StringComparer.Ordinal).Select(v => (JsonNode)v)]),
    });

    private async Task Events(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        using var client = _feed.Subscribe();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stop.Token);
        try
        {
            await response.WriteAsync("retry: 2000\n\n", stop.Token);
            await response.Body.FlushAsync(stop.Token);
            await foreach (var message in client.Messages.ReadAllAsync(stop.Token))
            {
                await response.Body.WriteAsync(message, stop.Token);
                await response.Body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // the page went away, or the dashboard stops
        }
        catch (IOException)
        {
            // the connection broke mid-write
        }
    }

    private async Task Sample(HttpContext context, string name)
    {
        // Kestrel has decoded the path and removed dot segments; the gallery accepts only a plain file name it wrote.
        if (_gallery.Resolve(name) is not { } path)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = path.EndsWith(".jpg", StringComparison.Ordinal) ? "image/jpeg" : "application/json; charset=utf-8";
        await context.Response.SendFileAsync(path, context.RequestAborted);
    }

    private async Task Command(HttpContext context, string verb)
    {
        switch (_auth.Check(context))
        {
            case AccessVerdict.Unauthenticated:
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"edgeinspect\"";
                await Problem(context, StatusCodes.Status401Unauthorized, _auth.ControlsEnabled
                    ? "a token is needed: Authorization: Bearer <dashboard token>, or log in on the page"
                    : "this dashboard is read-only: set dashboard.token or dashboard.tokenFile to enable its controls");
                return;
            case AccessVerdict.Forbidden:
                await Problem(context, StatusCodes.Status403Forbidden, $"refused: a request from another origin, or a session request without its {DashboardAuth.CsrfHeader} header");
                return;
        }

        if (_view.Plant is not { } plant)
        {
            await Problem(context, StatusCodes.Status503ServiceUnavailable, "this station has no command service (no plant link)");
            return;
        }

        var body = await ReadBodyAsync(context.Request, MaxCommandBytes);
        if (body is null)
        {
            await Problem(context, StatusCodes.Status413PayloadTooLarge, $"the args are larger than {MaxCommandBytes} bytes");
            return;
        }

        var args = body.Length == 0 ? "{}" : Encoding.UTF8.GetString(body);
        var correlationId = $"dashboard-{Guid.NewGuid():N}";
        var key = _view.Config.Section<LinkOptions>("link").CommandHmacKey();
        string payload;
        if (key is not null)
        {
            if (!IsJson(args))
            {
                // The signature covers the args' raw text; only JSON goes into the signed body, the dispatcher answers the rest.
                args = JsonSerializer.Serialize(args, MessagesJsonContext.Default.String);
            }

            payload = CommandSignature.SignedBody(key, verb, correlationId, _time.GetUtcNow(), args);
        }
        else
        {
            payload = $"{{\"correlationId\":\"{correlationId}\",\"args\":{(IsJson(args) ? args : JsonSerializer.Serialize(args, MessagesJsonContext.Default.String))}}}";
        }

        var response = await plant.Commands.AnswerAsync(verb, Encoding.UTF8.GetBytes(payload), CommandLoop.Via.Dashboard, context.RequestAborted);
        // Answered is 200 whether accepted or refused, as cmd/response carries both: the body says which and why.
        // HTTP errors are kept for what never reached the dispatcher (401, 403, 413, 503).
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, response, MessagesJsonContext.Default.CommandResponseBody, context.RequestAborted);
    }

    private async Task Login(HttpContext context)
    {
        string? token = null;
        if (context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            token = form["token"].FirstOrDefault();
        }

        if (_auth.Login(context, token) is not { } session)
        {
            context.Response.Redirect("/?login=failed");
            return;
        }

        context.Response.Cookies.Append(DashboardAuth.CookieName, session.Id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = _options.SessionLifetime,
        });
        context.Response.Redirect("/");
    }

    private Task Logout(HttpContext context)
    {
        if (!DashboardAuth.SameOrigin(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        _auth.Logout(context);
        context.Response.Cookies.Delete(DashboardAuth.CookieName);
        context.Response.Redirect("/");
        return Task.CompletedTask;
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int max)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static Task Problem(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        return JsonAsync(context, new JsonObject { ["status"] = status, ["error"] = detail }, setStatus: false);
    }

    private static Task JsonAsync(HttpContext context, JsonNode json, bool setStatus = true)
    {
        if (setStatus)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(json.ToJsonString(), context.RequestAborted);
    }
}
