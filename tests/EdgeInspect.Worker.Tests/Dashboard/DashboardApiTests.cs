using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeInspect.Worker.Dashboard;
using EdgeInspect.Worker.Tests.Pipeline;
using EdgeInspect.Worker.Link.Mqtt;

namespace EdgeInspect.Worker.Tests.Dashboard;

/// <summary>The dashboard's HTTP API against the real station of <see cref="DashboardFixture"/>: access, paths, commands, metrics, health.</summary>
[Collection(DashboardCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class DashboardApiTests(DashboardFixture fixture)
{
    [Fact]
    public async Task SetMode_Without_A_Token_Answers_401_And_Changes_Nothing()
    {
        var mode = fixture.Get<EdgeInspect.Worker.Pipeline.Control.StationControl>().Mode;
        var commands = fixture.Plant.Commands.Accepted + fixture.Plant.Commands.Rejected;

        using var none = await fixture.Http.PostAsync("/api/commands/set-mode", Json("""{"mode":"live"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/commands/set-mode") { Content = Json("""{"mode":"live"}""") };
        wrong.Headers.Authorization = new("Bearer", "not-the-token-but-long-enough");
        using var wrongAnswer = await fixture.Http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);

        // The answer came before anything could be dispatched: nothing was counted, the mode is what it was.
        Assert.Equal(commands, fixture.Plant.Commands.Accepted + fixture.Plant.Commands.Rejected);
        Assert.Equal(mode, fixture.Get<EdgeInspect.Worker.Pipeline.Control.StationControl>().Mode);
    }

    [Fact]
    public async Task A_Session_Cookie_Without_Its_Csrf_Token_Or_A_Request_From_Another_Origin_Is_Refused()
    {
        using var handler = new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = fixture.Url };
        using var login = await browser.PostAsync("/login", new FormUrlEncodedContent([new("token", DashboardFixture.Token)]));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Contains(handler.CookieContainer.GetCookies(fixture.Url), c => c.Name == DashboardAuth.CookieName && c.HttpOnly);

        using var noCsrf = await browser.PostAsync("/api/commands/rollback", Json("{}"));
        Assert.Equal(HttpStatusCode.Forbidden, noCsrf.StatusCode);

        using var crossSite = fixture.Authorized(HttpMethod.Post, "/api/commands/rollback", "{}");
        crossSite.Headers.Add("Origin", "http://evil.example");
        using var crossAnswer = await fixture.Http.SendAsync(crossSite);
        Assert.Equal(HttpStatusCode.Forbidden, crossAnswer.StatusCode);

        // With the session's CSRF token the same request reaches the dispatcher (which refuses it: nothing to roll back to).
        using var session = JsonDocument.Parse(await browser.GetStringAsync("/api/session"));
        using var withCsrf = new HttpRequestMessage(HttpMethod.Post, "/api/commands/rollback") { Content = Json("{}") };
        withCsrf.Headers.Add(DashboardAuth.CsrfHeader, session.RootElement.GetProperty("csrf").GetString());
        using var answer = await browser.SendAsync(withCsrf);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        using var refused = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.False(refused.RootElement.GetProperty("accepted").GetBoolean());
        Assert.Contains("no previous model", refused.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_Command_Gets_The_Same_Validation_And_Answer_As_On_Mqtt()
    {
        using var request = fixture.Authorized(HttpMethod.Post, "/api/commands/set-mode", """{"mode":"turbo"}""");
        using var answer = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode); // answered; the body says refused
        using var dashboard = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.False(dashboard.RootElement.GetProperty("accepted").GetBoolean());
        Assert.Equal("set-mode", dashboard.RootElement.GetProperty("verb").GetString());

        await using var publisher = new MqttConnection(new MqttConnectionOptions { Host = "127.0.0.1", Port = fixture.Broker.Port, ClientId = "dashboard-cmd-pub" });
        publisher.Start();
        Assert.True(await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(10)));
        await publisher.PublishAsync(fixture.BaseTopic + "/cmd/set-mode", Encoding.UTF8.GetBytes("""{"correlationId":"mqtt-turbo","args":{"mode":"turbo"}}"""));
        var mqtt = await fixture.Gateway.WaitForAsync(m => m.Topic == fixture.BaseTopic + "/cmd/response" && m.Body.GetProperty("correlationId").GetString() == "mqtt-turbo", TimeSpan.FromSeconds(30));
        Assert.Equal(mqtt.Body.GetProperty("reason").GetString(), dashboard.RootElement.GetProperty("reason").GetString());

        var id = dashboard.RootElement.GetProperty("correlationId").GetString();
        var audit = await fixture.Gateway.WaitForAsync(m => m.Topic == fixture.BaseTopic + "/event" && m.Body.GetProperty("type").GetString() == "command"
            && m.Body.GetProperty("detail").GetProperty("correlationId").GetString() == id, TimeSpan.FromSeconds(30));
        Assert.Equal("rejected", audit.Body.GetProperty("detail").GetProperty("outcome").GetString());
        Assert.Equal("dashboard", audit.Body.GetProperty("detail").GetProperty("via").GetString());
    }

    [Fact]
    public async Task Paths_Outside_The_Samples_Folder_Answer_404_However_They_Are_Encoded()
    {
        await Wait.UntilAsync(() => Directory.Exists(fixture.SamplesFolder) && Directory.EnumerateFiles(fixture.SamplesFolder, "*.jpg").Any(), "a saved sample", TimeSpan.FromSeconds(90));
        var sample = Path.GetFileName(Directory.EnumerateFiles(fixture.SamplesFolder, "*.jpg").First());
        var secret = Path.Combine(fixture.Work, "secret.json");
        await File.WriteAllTextAsync(secret, """{"secret":true}""");
        var link = Path.Combine(fixture.SamplesFolder, "linked-secret.json");
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, secret);
        }

        // A real sample is served: the 404s below are the guard, not a broken route.
        Assert.Equal(200, await RawStatusAsync($"/api/samples/{sample}"));
        string[] outside =
        [
            "/api/samples/../../etc/passwd",
            "/api/samples/..%2f..%2fetc%2fpasswd",
            "/api/samples/..%2F..%2F..%2Fetc%2Fpasswd",
            "/api/samples/%2e%2e/%2e%2e/etc/passwd",
            "/api/samples/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "/api/samples/%252e%252e%252fetc%252fpasswd",
            "/api/samples/..%5c..%5cetc%5cpasswd",
            "/api/samples/%c0%ae%c0%ae/etc/passwd",
            "/api/samples/..%2fsecret.json",
            "/api/samples/../secret.json",
            "/api/samples/%2fetc%2fpasswd",
            "/api/samples//etc/passwd",
            "/api/samples/linked-secret.json",
            "/assets/../../etc/passwd",
            "/assets/..%2f..%2fetc%2fpasswd",
            "/etc/passwd",
        ];
        foreach (var path in outside)
        {
            var status = await RawStatusAsync(path);
            Assert.True(status is 404 or 400, $"{path} answered {status}");
        }

        Assert.Equal(404, await RawStatusAsync("/api/samples/../../etc/passwd"));
        Assert.Equal(404, await RawStatusAsync("/api/samples/..%2f..%2fetc%2fpasswd"));
    }

    [Fact]
    public async Task Metrics_Parse_As_Prometheus_Text_And_Name_Their_Units()
    {
        await Wait.UntilAsync(() => fixture.Feed.Parts > 20, "parts", TimeSpan.FromSeconds(60));
        using var response = await fixture.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var samples = PrometheusText.Parse(text);

        Assert.Contains(samples, s => s.Name == "edgeinspect_stage_duration_seconds_bucket" && s.Labels["stage"] == "inference" && s.Labels["le"] == "+Inf" && s.Value > 0);
        Assert.Contains(samples, s => s.Name == "edgeinspect_stage_duration_seconds_count" && s.Labels["stage"] == "capture_to_decision" && s.Value > 0);
        Assert.Contains(samples, s => s.Name == "edgeinspect_parts_total" && s.Labels["decision"] == "pass" && s.Value > 0);
        Assert.Contains(samples, s => s.Name == "edgeinspect_frames_dropped_total" && s.Labels.ContainsKey("cause"));
        Assert.Contains(samples, s => s.Name == "edgeinspect_outbox_records");
        Assert.Contains(samples, s => s.Name == "edgeinspect_outbox_size_bytes");
        Assert.Contains(samples, s => s.Name == "edgeinspect_agreement_ratio" && s.Labels["estimate"] == "point" && s.Value is > 0 and <= 1);
        Assert.Contains(samples, s => s.Name == "edgeinspect_agreement_kappa");
        Assert.Contains("# TYPE edgeinspect_stage_duration_seconds histogram", text);
        Assert.Contains("# TYPE edgeinspect_parts_total counter", text);
        Assert.Contains("# TYPE edgeinspect_outbox_records gauge", text);

        // Parts by decision agree with the station's own count at that moment (within the parts decided since).
        var decided = samples.Where(s => s.Name == "edgeinspect_parts_total").Sum(s => s.Value);
        Assert.InRange(decided, 1, fixture.Feed.Parts + 50);
    }

    [Fact]
    public async Task Healthz_And_Readyz_Answer_For_A_Running_Station()
    {
        using var health = await fixture.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        await Wait.UntilAsync(() => fixture.Feed.Camera.Up, "the camera up", TimeSpan.FromSeconds(30));
        using var ready = await fixture.Http.GetAsync("/readyz");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.GetProperty("camera").GetProperty("up").GetBoolean());
        Assert.True(json.RootElement.GetProperty("outbox").GetProperty("up").GetBoolean());
    }

    [Fact]
    public async Task The_Image_Healthcheck_Asks_Healthz_When_The_Dashboard_Is_On()
    {
        var script = Path.Combine(EdgeInspect.Tests.Shared.RepoPaths.Root, "scripts", "image", "healthcheck.sh");
        var start = new System.Diagnostics.ProcessStartInfo("sh", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["EDGEINSPECT_DASHBOARD_URL"] = fixture.Url.ToString().TrimEnd('/');
        start.Environment["EDGEINSPECT_OUTBOX"] = Path.Combine(fixture.Work, "no-such-outbox.db"); // the old check would say unhealthy
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync());
        Assert.Contains("/healthz answered 200", output);
    }

    [Fact]
    public async Task Events_Stream_Starts_With_Hello_Then_Ticks()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await fixture.Http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var kinds = new List<string>();
        while (kinds.Count(k => k == "tick") < 2)
        {
            var line = await reader.ReadLineAsync(cts.Token);
            Assert.NotNull(line);
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                kinds.Add(line["event: ".Length..]);
            }
        }

        Assert.Equal("hello", kinds[0]);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>One request with the path exactly as written (HttpClient would normalize "../" away before sending).</summary>
    private async Task<int> RawStatusAsync(string path)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, fixture.Url.Port);
        await using var stream = tcp.GetStream();
        var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {fixture.Url.Authority}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(request);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var status = await reader.ReadLineAsync() ?? "";
        var match = StatusLine().Match(status);
        Assert.True(match.Success, $"{path}: no status line, got '{status}'");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("^HTTP/1\\.1 (\\d{3})")]
    private static partial Regex StatusLine();
}

/// <summary>A strict reader of the Prometheus text exposition format (0.0.4): every line a comment, a sample or empty.</summary>
internal static partial class PrometheusText
{
    public static List<(string Name, Dictionary<string, string> Labels, double Value)> Parse(string text)
    {
        var samples = new List<(string, Dictionary<string, string>, double)>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var comment = Comment().Match(line);
                Assert.True(comment.Success || line.StartsWith("# EOF", StringComparison.Ordinal), $"bad comment line: {line}");
                if (comment.Success && comment.Groups[1].Value == "TYPE")
                {
                    Assert.Contains(comment.Groups[3].Value.Trim(), new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                    types[comment.Groups[2].Value] = comment.Groups[3].Value.Trim();
                }

                continue;
            }

            var sample = Sample().Match(line);
            Assert.True(sample.Success, $"bad sample line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in Label().Matches(sample.Groups[2].Value))
            {
                labels[label.Groups[1].Value] = label.Groups[2].Value;
            }

            var value = sample.Groups[3].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add((sample.Groups[1].Value, labels, value));
        }

        Assert.NotEmpty(types);
        return samples;
    }

    [GeneratedRegex("^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$")]
    private static partial Regex Comment();

    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})? ([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))(?: -?[0-9]+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();
}
