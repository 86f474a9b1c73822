using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Link;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;
using Microsoft.Extensions.Logging;
using LinkOptions = EdgeInspect.Worker.Link.LinkOptions;

namespace EdgeInspect.Worker.Sparkplug;

/// <summary>
/// A station's Sparkplug edge node, composed in one place: the <see cref="SparkplugEdgeNode"/> on its own connection
/// and the <see cref="SparkplugStationSink"/> that feeds it from the pipeline's output. A composition root calls
/// <see cref="Open"/> once, adds <see cref="Sink"/> beside the outbox sink, runs <see cref="RunAsync"/> beside the plant
/// link on the link's stopping token, drains the sink when the pipeline has drained, and disposes it before the outbox.
/// </summary>
internal sealed class StationEdgeNode : IAsyncDisposable
{
    private StationEdgeNode(SparkplugEdgeNode node, SparkplugStationSink sink)
    {
        Node = node;
        Sink = sink;
    }

    public SparkplugEdgeNode Node { get; }

    public SparkplugStationSink Sink { get; }

    /// <summary>
    /// The node for a station, or null when <c>link:sparkplug</c> is off. A station whose Sparkplug was switched off
    /// deletes the records its node left in the outbox (logged), so they do not count against the caps for ever.
    /// </summary>
    /// <param name="options">The "link:sparkplug" section.</param>
    /// <param name="link">The "link" section: the same broker, TLS, credentials and timings as the JSON link.</param>
    /// <param name="identity">The "station" section.</param>
    /// <param name="outbox">The station's outbox.</param>
    /// <param name="dispatcher">The station's command dispatcher, with its verbs (set-mode) registered by the time NCMDs arrive.</param>
    /// <param name="start">The station at start.</param>
    /// <param name="readings">What the node reads from the station on demand.</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="time">The clock.</param>
    /// <exception cref="MqttSetupException">A TLS file is missing or cannot be opened.</exception>
    public static StationEdgeNode? Open(SparkplugOptions options, LinkOptions link, StationIdentityOptions identity, Outbox outbox, CommandDispatcher dispatcher,
        EdgeNodeStart start, StationReadings readings, ILoggerFactory loggers, TimeProvider time)
    {
        if (!options.Enabled)
        {
            DiscardLeftovers(outbox);
            return null;
        }

        var node = new SparkplugEdgeNode(options, link.ToConnectionOptions(identity.DeviceId, will: null), identity, start, outbox, dispatcher,
            link.ShutdownFlushTimeout, loggers.CreateLogger<SparkplugEdgeNode>(), time);
        return new StationEdgeNode(node, new SparkplugStationSink(node, readings, time));
    }

    /// <summary>Deletes the records a node left in the outbox before Sparkplug was switched off (logged by the outbox).</summary>
    public static void DiscardLeftovers(Outbox outbox)
    {
        if (outbox.StreamDepth > 0)
        {
            outbox.DiscardStreamAsync(SparkplugEdgeNode.StreamName).GetAwaiter().GetResult();
        }
    }

    public Task RunAsync(CancellationToken stoppingToken) => Node.RunAsync(stoppingToken);

    public ValueTask DisposeAsync() => Node.DisposeAsync();
}
