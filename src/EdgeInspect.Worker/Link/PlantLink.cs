using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Config;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;
using Microsoft.Extensions.Logging;

namespace EdgeInspect.Worker.Link;

/// <summary>
/// A station's way out, composed in one place: the durable <see cref="Outbox"/>, the <see cref="OutboxSink"/> the
/// pipeline writes into, the outbox's near-cap condition as the retained <c>outbox-near-cap</c> alert, the MQTT
/// <see cref="LinkService"/> and the <see cref="CommandLoop"/>. Every verb that runs a station builds it through
/// <see cref="Open"/>; the command verbs are registered on <see cref="Dispatcher"/> by the caller.
/// </summary>
public sealed class PlantLink : IAsyncDisposable
{
    private PlantLink(Outbox outbox, OutboxSink sink, LinkService link, CommandLoop commands)
    {
        Outbox = outbox;
        Sink = sink;
        Link = link;
        Commands = commands;
    }

    public Outbox Outbox { get; }

    public OutboxSink Sink { get; }

    public LinkService Link { get; }

    public CommandLoop Commands { get; }

    /// <summary>The command allow-list: register the station's verbs here before <see cref="RunAsync"/>.</summary>
    public CommandDispatcher Dispatcher => Commands.Dispatcher;

    /// <summary>Opens the outbox and creates the link (not yet connected).</summary>
    /// <param name="identity">The "station" section: device id and topic levels.</param>
    /// <param name="link">The "link" section.</param>
    /// <param name="outbox">The "outbox" section.</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="time">The clock.</param>
    /// <param name="dispatcher">The command dispatcher; null builds one from the link's HMAC settings.</param>
    /// <exception cref="MqttSetupException">A TLS file is missing or cannot be opened (the outbox is closed again).</exception>
    public static PlantLink Open(StationIdentityOptions identity, LinkOptions link, OutboxOptions outbox, ILoggerFactory loggers, TimeProvider time,
        CommandDispatcher? dispatcher = null)
    {
        var store = Outbox.Open(outbox, identity.DeviceId, time, loggers.CreateLogger<Outbox>());
        try
        {
            var sink = new OutboxSink(store, time);
            store.NearCapChanged += fill => _ = sink.NearCapAsync(fill);
            store.Disk.Changed += disk => _ = sink.DiskAsync(disk);
            if (store.Disk.Level != DiskLevel.Normal)
            {
                _ = sink.DiskAsync(store.Disk.State);
            }
            var service = new LinkService(link, identity, store, loggers.CreateLogger<LinkService>(), time);
            var commands = new CommandLoop(dispatcher ?? new CommandDispatcher(link.CommandHmacKey(), link.CommandMaxSkew, time), store, service.Topics.Station,
                loggers.CreateLogger<CommandLoop>());
            service.CommandReceived += message => commands.Offer(message);
            return new PlantLink(store, sink, service, commands);
        }
        catch
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>
    /// Runs the command loop and the link until <paramref name="stoppingToken"/> is cancelled. Then commands stop first,
    /// so their answers are part of the link's final flush, then the link flushes, says offline and disconnects.
    /// </summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var commandsStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var commands = Task.Run(() => Commands.RunAsync(commandsStop.Token), CancellationToken.None);
        var link = Task.Run(() => Link.RunAsync(stoppingToken), CancellationToken.None);
        await commands;
        await link;
    }

    /// <summary>Closes the outbox (after <see cref="RunAsync"/> has returned).</summary>
    public ValueTask DisposeAsync() => Outbox.DisposeAsync();
}
