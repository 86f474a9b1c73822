using System.Net;
using System.Text;
using EdgeInspect.Worker.Telemetry;
using EdgeInspect.Worker.Tests.Link;
using EdgeInspect.Worker.Tests.Pipeline;

namespace EdgeInspect.Worker.Tests.Dashboard;

/// <summary>
/// OTLP export when telemetry:otlpEndpoint is set: a real collector endpoint on a loopback port (an HTTP listener
/// taking OTLP/HTTP protobuf posts) receives the station's instruments from the SDK's exporter.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OtlpExportTests
{
    [Fact]
    public async Task The_Station_Pushes_Its_Metrics_To_The_Configured_Collector()
    {
        var port = LinkTestKit.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var config = StationHarness.Config("shadow");
        config["telemetry"] = new System.Text.Json.Nodes.JsonObject
        {
            ["otlpEndpoint"] = $"http://127.0.0.1:{port}/v1/metrics",
            ["otlpProtocol"] = "httpProtobuf",
            ["exportInterval"] = "00:00:01",
            ["exportTimeout"] = "00:00:01",
        };
        await using var station = StationHarness.Create(config);
        var telemetry = station.Get<StationTelemetry>();
        Assert.NotNull(telemetry.Provider);
        Assert.Equal(new Uri($"http://127.0.0.1:{port}/v1/metrics"), telemetry.Otlp);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var names = new[] { "edgeinspect.parts", "edgeinspect.agreement.parts", "edgeinspect.outbox.records", "edgeinspect.queue.depth" };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (seen.Count < names.Length)
        {
            var context = await listener.GetContextAsync().WaitAsync(timeout.Token);
            Assert.Equal("/v1/metrics", context.Request.Url!.AbsolutePath);
            Assert.Equal("application/x-protobuf", context.Request.ContentType);
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body, timeout.Token);
            context.Response.StatusCode = 200;
            context.Response.Close();

            // Instrument names are plain strings inside the protobuf body; the device id is the resource's instance id.
            var text = Encoding.UTF8.GetString(body.ToArray());
            Assert.Contains("dev-test", text);
            foreach (var name in names.Where(n => text.Contains(n, StringComparison.Ordinal)))
            {
                seen.Add(name);
            }
        }
    }
}
