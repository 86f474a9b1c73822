using System.Reflection;
using System.Security.Cryptography;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>
/// The page's files, compiled into the executable (Dashboard/Assets, and dygraphs from Debian's libjs-dygraphs, which the bootstrap installs):
/// served by exact name from memory, so no request ever reaches the file system through them, and the page needs no
/// internet and no files beside the executable.
/// </summary>
public sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    private DashboardAssets()
    {
    }

    /// <summary>dygraphs was built in (scripts/bootstrap.sh installed libjs-dygraphs before the build); without it the page has no charts.</summary>
    public bool HasCharts => _assets.ContainsKey("vendor/dygraph.min.js");

    public static DashboardAssets Load()
    {
        var assets = new DashboardAssets();
        var assembly = typeof(DashboardAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var relative = name[Prefix.Length..];
            assets._assets[relative] = new Asset(bytes, ContentType(relative), $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
        }

        return assets;
    }

    public Asset? Find(string name) => _assets.GetValueOrDefault(name);

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    /// <summary>One file: its bytes, content type and entity tag.</summary>
    public sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
