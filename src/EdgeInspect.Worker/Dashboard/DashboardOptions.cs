using System.Net;
using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>
/// The "dashboard" section: the station's own web page and API (status, quality, drift, samples, controls, /metrics,
/// /healthz, /readyz). On by default, on the loopback interface only; a plant network reaches it only when
/// <see cref="Url"/> names another address (or 0.0.0.0) on purpose.
/// </summary>
public sealed class DashboardOptions : IConfigSection
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public bool Enabled { get; set; } = true;

    /// <summary>Where Kestrel listens: http, an IP address or "localhost", a port (0: any free port, for tests).</summary>
    public string Url { get; set; } = DefaultUrl;

    /// <summary>The controls' token (Authorization: Bearer, or the page's login form). Empty with no file: read-only.</summary>
    public string Token { get; set; } = "";

    /// <summary>A file holding the token (its first line), so the station file need not carry the secret.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>How often the page's charts get a new point over Server-Sent Events.</summary>
    public TimeSpan UpdateInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Points each chart keeps (at one point per update interval: ten minutes by default).</summary>
    public int HistoryPoints { get; set; } = 600;

    /// <summary>The newest samples the gallery lists.</summary>
    public int GalleryLimit { get; set; } = 60;

    /// <summary>How long a login cookie stays valid.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>/healthz fails when the output stage delivered nothing for this long while the station runs (a stuck pipeline).</summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The shortest token accepted: a guessable one would make the controls public.</summary>
    public const int MinTokenLength = 16;

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (ParseUrl(Url) is null)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "url"), $"is \"{Url}\"",
                "an http URL with an IP address or localhost and a port, such as \"http://127.0.0.1:8080\" (loopback only) or \"http://0.0.0.0:8080\" (every interface)"));
        }

        if (Token.Length > 0 && TokenFile.Length > 0)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "tokenFile"), "is set beside token", "either token or tokenFile, not both"));
        }

        if (Token.Length is > 0 and < MinTokenLength || Token.Any(char.IsWhiteSpace))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "token"), $"is {Token.Length} characters long or holds a space",
                $"at least {MinTokenLength} characters without spaces (for example from `openssl rand -hex 16`), or empty for a read-only dashboard"));
        }

        if (UpdateInterval < TimeSpan.FromMilliseconds(100) || UpdateInterval > TimeSpan.FromSeconds(60))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "updateInterval"), $"is {UpdateInterval}", "a TimeSpan from 00:00:00.1 to 00:01:00, such as \"00:00:01\""));
        }

        if (HistoryPoints is < 10 or > 100_000)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "historyPoints"), $"is {HistoryPoints}", "a whole number of points from 10 to 100000, such as 600"));
        }

        if (GalleryLimit is < 1 or > 1000)
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "galleryLimit"), $"is {GalleryLimit}", "a whole number of samples from 1 to 1000, such as 60"));
        }

        if (SessionLifetime < TimeSpan.FromMinutes(1) || SessionLifetime > TimeSpan.FromDays(30))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "sessionLifetime"), $"is {SessionLifetime}", "a TimeSpan from 00:01:00 to 30.00:00:00, such as \"12:00:00\""));
        }

        if (StallAfter < TimeSpan.FromSeconds(10) || StallAfter > TimeSpan.FromHours(24))
        {
            errors.Add(new ConfigError(ConfigPath.Join(path, "stallAfter"), $"is {StallAfter}", "a TimeSpan from 00:00:10 to 1.00:00:00, longer than pipeline:metricsInterval, such as \"00:02:00\""));
        }
    }

    /// <summary>
    /// The address and port, or null when the URL is not one Kestrel would bind as written. A host name other than
    /// localhost is refused: Kestrel would bind every interface for it, which is not what the name suggests.
    /// </summary>
    public static (IPAddress Address, int Port)? ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.AbsolutePath != "/" || uri.Query.Length > 0
            || uri.UserInfo.Length > 0 || uri.IsDefaultPort && !url.Contains(":80", StringComparison.Ordinal))
        {
            return null;
        }

        var host = uri.Host.Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return (IPAddress.Loopback, uri.Port);
        }

        return IPAddress.TryParse(host, out var address) ? (address, uri.Port) : null;
    }
}
