using EdgeInspect.Core.Configuration;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Dashboard;
using EdgeInspect.Worker.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Worker.Tests.Dashboard;

/// <summary>The dashboard's parts without a station: options, the kappa interval, the gallery's guard, the token check.</summary>
public sealed class DashboardPartsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://0.0.0.0:9000", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("https://127.0.0.1:8080", false)]
    [InlineData("http://station.local:8080", false)]
    [InlineData("http://127.0.0.1:8080/dash", false)]
    [InlineData("127.0.0.1:8080", false)]
    public void Url_Must_Be_Http_With_An_Address_And_A_Port(string url, bool valid)
    {
        var errors = new List<ConfigError>();
        new DashboardOptions { Url = url }.Validate("dashboard", errors);
        Assert.Equal(valid, errors.Count == 0);
        if (!valid)
        {
            Assert.Contains("dashboard:url", errors[0].ToString());
        }
    }

    [Fact]
    public void A_Short_Token_Or_Both_Token_And_File_Are_Refused_With_The_Fix()
    {
        var errors = new List<ConfigError>();
        new DashboardOptions { Token = "short", TokenFile = "/x" }.Validate("dashboard", errors);
        Assert.Contains(errors, e => e.ToString().Contains("dashboard:token", StringComparison.Ordinal) && e.ToString().Contains("openssl rand", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.ToString().Contains("dashboard:tokenFile", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Token_File_Too_Short_Stops_The_Start_With_The_Fix()
    {
        using var dir = new TempDirectory("dash-token");
        var file = dir.File("token");
        File.WriteAllText(file, "abc\n");
        var e = Assert.Throws<StationStartupException>(() => DashboardServer.ReadToken(new DashboardOptions { TokenFile = file }));
        Assert.Contains("at least 16", e.Message);
        File.WriteAllText(file, "0123456789abcdef0123\nignored");
        Assert.Equal("0123456789abcdef0123", DashboardServer.ReadToken(new DashboardOptions { TokenFile = file }));
        Assert.Throws<StationStartupException>(() => DashboardServer.ReadToken(new DashboardOptions { TokenFile = dir.File("missing") }));
    }

    [Fact]
    public void Kappa_Interval_Matches_The_Textbook_Formula()
    {
        // p0 = 0.7, pe = 0.5, kappa = 0.4, se = sqrt(0.7 * 0.3 / (50 * 0.25)) = 0.129615.
        var (kappa, interval) = KappaInterval.Of(20, 5, 10, 15)!.Value;
        Assert.Equal(0.4, kappa, 10);
        Assert.Equal(0.4 - (1.959964 * 0.1296148), interval.Lower, 5);
        Assert.Equal(0.4 + (1.959964 * 0.1296148), interval.Upper, 5);
        Assert.Null(KappaInterval.Of(0, 0, 0, 0));
        Assert.Null(KappaInterval.Of(0, 0, 0, 30)); // one class for both raters: kappa undefined
    }

    [Fact]
    public void The_Gallery_Resolves_Only_Plain_Names_Inside_Its_Folder()
    {
        using var dir = new TempDirectory("dash-gallery");
        var samples = Directory.CreateDirectory(Path.Combine(dir.Path, "samples")).FullName;
        File.WriteAllBytes(Path.Combine(samples, "part-1.jpg"), [0xFF, 0xD8]);
        File.WriteAllText(Path.Combine(dir.Path, "outside.json"), "{}");
        File.CreateSymbolicLink(Path.Combine(samples, "link.json"), Path.Combine(dir.Path, "outside.json"));
        var gallery = new SampleGallery(samples, 10);

        Assert.Equal(Path.Combine(samples, "part-1.jpg"), gallery.Resolve("part-1.jpg"));
        foreach (var name in new[] { "../outside.json", "..%2foutside.json", "/etc/passwd", "..", "part-1.jpg/..", "sub/part-1.jpg", "link.json", "missing.jpg", "part-1.png", ".hidden.jpg", "", null })
        {
            Assert.Null(gallery.Resolve(name));
        }
    }

    [Fact]
    public void A_Cookie_Session_Needs_Its_Csrf_Token_And_A_Bearer_Needs_The_Token()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var auth = new DashboardAuth("0123456789abcdef0123", TimeSpan.FromHours(1), time);
        Assert.Equal(AccessVerdict.Unauthenticated, auth.Check(Request()));
        Assert.Equal(AccessVerdict.Unauthenticated, auth.Check(Request(bearer: "0123456789abcdef0124")));
        Assert.Equal(AccessVerdict.Allowed, auth.Check(Request(bearer: "0123456789abcdef0123")));
        Assert.Equal(AccessVerdict.Forbidden, auth.Check(Request(bearer: "0123456789abcdef0123", origin: "http://evil.example")));

        Assert.Null(auth.Login(Request(), "wrong-token-0123456789"));
        var (id, csrf) = auth.Login(Request(), "0123456789abcdef0123")!.Value;
        Assert.Equal(AccessVerdict.Forbidden, auth.Check(Request(cookie: id)));
        Assert.Equal(AccessVerdict.Forbidden, auth.Check(Request(cookie: id, csrf: "not-it")));
        Assert.Equal(AccessVerdict.Allowed, auth.Check(Request(cookie: id, csrf: csrf)));

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(AccessVerdict.Unauthenticated, auth.Check(Request(cookie: id, csrf: csrf)));

        var readOnly = new DashboardAuth(null, TimeSpan.FromHours(1), time);
        Assert.False(readOnly.ControlsEnabled);
        Assert.Equal(AccessVerdict.Unauthenticated, readOnly.Check(Request(bearer: "anything-at-all-long")));
    }

    private static DefaultHttpContext Request(string? bearer = null, string? cookie = null, string? csrf = null, string? origin = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1:8080");
        if (bearer is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + bearer;
        }

        if (cookie is not null)
        {
            context.Request.Headers.Cookie = $"{DashboardAuth.CookieName}={cookie}";
        }

        if (csrf is not null)
        {
            context.Request.Headers[DashboardAuth.CsrfHeader] = csrf;
        }

        if (origin is not null)
        {
            context.Request.Headers.Origin = origin;
        }

        return context;
    }
}
