using System.Globalization;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>
/// The demo's dashboard: started before the line video plays (on a free port when 8080 is taken), its URL printed,
/// and held open for <c>--hold</c> after the video ends, so a person can look at what the run left.
/// </summary>
public sealed class DemoDashboard : IAsyncDisposable
{
    private readonly DashboardServer? _server;

    private DemoDashboard(DashboardServer? server, Uri? url)
    {
        _server = server;
        Url = url;
    }

    public Uri? Url { get; }

    /// <summary>Starts the station's dashboard if it has one, and says where it is.</summary>
    public static async Task<DemoDashboard> StartAsync(IServiceProvider station, TextWriter output, CancellationToken cancellationToken)
    {
        if (station.GetService<DashboardServer>() is not { } server)
        {
            return new DemoDashboard(null, null);
        }

        var url = await server.StartAsync(cancellationToken, anyPortIfTaken: true);
        output.WriteLine($"Dashboard: {url} (status, quality, drift, samples; /metrics for Prometheus)");
        return new DemoDashboard(server, url);
    }

    /// <summary>Keeps serving for <paramref name="hold"/> after the run (Ctrl+C ends it early).</summary>
    public async Task HoldAsync(TimeSpan hold, TextWriter output, CancellationToken cancellationToken)
    {
        if (_server is null || hold <= TimeSpan.Zero)
        {
            return;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Dashboard stays at {Url} for {hold.TotalSeconds:0} s (--hold); Ctrl+C ends it."));
        try
        {
            await Task.Delay(hold, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync(CancellationToken.None);
        }
    }
}
