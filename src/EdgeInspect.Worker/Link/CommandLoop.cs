using System.Threading.Channels;
using EdgeInspect.Core.Messages;
using EdgeInspect.Worker.Link.Mqtt;
using EdgeInspect.Worker.OutboxStage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeInspect.Worker.Link;

/// <summary>
/// The station's command service: takes <c>cmd/{verb}</c> messages from the link into a bounded queue, refuses retained
/// ones, runs the rest through the <see cref="CommandDispatcher"/> (allow-list, schema, HMAC), and writes each answer to
/// the outbox twice: on <c>cmd/response</c> and on <c>event</c> (the audit trail). The dashboard's command API answers
/// through the same <see cref="AnswerAsync(string, ReadOnlyMemory{byte}, string, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// <para>Retained commands are refused however they arrive: after a subscribe (flagged by every broker) and live (under
/// MQTT 5 the link subscribes with retain-as-published, so the flag survives). A retained command would otherwise run
/// again on every reconnect. Under 3.1.1 a broker clears the flag on live delivery, so only the first case can be seen.</para>
/// <para>Threading: <see cref="Offer"/> is called on the MQTT receive loop and never blocks; a flood beyond the queue's
/// capacity is dropped and counted in <see cref="Dropped"/>. <see cref="RunAsync"/> handles one MQTT command at a time;
/// a dashboard command may be answered beside it (every verb's effect goes through StationControl, safe from any thread).</para>
/// </remarks>
public sealed class CommandLoop
{
    public const int DefaultCapacity = 256;

    private readonly CommandDispatcher _dispatcher;
    private readonly Outbox _outbox;
    private readonly StationTopics _topics;
    private readonly ILogger _logger;
    private readonly Channel<MqttMessage> _queue;
    private long _accepted;
    private long _rejected;
    private long _dropped;

    public CommandLoop(CommandDispatcher dispatcher, Outbox outbox, StationTopics topics, ILogger<CommandLoop>? logger = null, int capacity = DefaultCapacity)
    {
        _dispatcher = dispatcher;
        _outbox = outbox;
        _topics = topics;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _queue = Channel.CreateBounded<MqttMessage>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    }

    public CommandDispatcher Dispatcher => _dispatcher;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Commands not even looked at because too many were already waiting (a flood).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues one received command; false (and counted) when the queue is full.</summary>
    public bool Offer(MqttMessage message)
    {
        if (_queue.Writer.TryWrite(message))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>Answers queued commands until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                if (_topics.VerbOf(message.Topic) is not { } verb)
                {
                    continue;
                }

                try
                {
                    await AnswerAsync(verb, message, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "Command on {Topic} could not be answered", message.Topic);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    private ValueTask<CommandResponseBody> AnswerAsync(string verb, MqttMessage message, CancellationToken cancellationToken) =>
        message.Retain
            ? RecordAsync(new CommandResponseBody(CorrelationIdOf(message.Payload), verb, false, "retained commands are refused: they would run again on every reconnect"),
                Via.Mqtt, retained: true, cancellationToken)
            : AnswerAsync(verb, message.Payload, Via.Mqtt, cancellationToken);

    /// <summary>
    /// The one way a command is answered, whoever sent it (MQTT <c>cmd/{verb}</c>, the dashboard's API): the
    /// dispatcher's validation and handler, the accepted/rejected counters, the log line, and the answer written to the
    /// outbox twice, on <c>cmd/response</c> and as the audit trail's <c>command</c> event.
    /// </summary>
    /// <param name="verb">The verb, as in <c>cmd/{verb}</c>.</param>
    /// <param name="payload">The command body (<c>{"correlationId":…,"args":{…}}</c>, signed where the device requires it).</param>
    /// <param name="via">Who carried it: "mqtt" or "dashboard"; recorded in the audit event.</param>
    /// <param name="cancellationToken">Shutdown.</param>
    /// <returns>The response, after both records are in the outbox.</returns>
    public async ValueTask<CommandResponseBody> AnswerAsync(string verb, ReadOnlyMemory<byte> payload, string via, CancellationToken cancellationToken)
    {
        var response = await _dispatcher.DispatchAsync(verb, payload, cancellationToken);
        return await RecordAsync(response, via, retained: false, cancellationToken);
    }

    private async ValueTask<CommandResponseBody> RecordAsync(CommandResponseBody response, string via, bool retained, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref response.Accepted ? ref _accepted : ref _rejected);
        _logger.LogInformation("Command {Verb} ({CorrelationId}) via {Via} {Outcome}{Reason}", response.Verb, response.CorrelationId ?? "no id", via,
            response.Accepted ? "accepted" : "rejected", response.Reason is null ? string.Empty : $": {response.Reason}");
        await _outbox.EnqueueAsync(MessageKind.CommandResponse, response, MessagesJsonContext.Default.CommandResponseBody, cancellationToken);
        var detail = new Dictionary<string, string>
        {
            ["verb"] = response.Verb,
            ["correlationId"] = response.CorrelationId ?? string.Empty,
            ["outcome"] = response.Accepted ? "accepted" : "rejected",
            ["via"] = via,
        };
        if (response.Reason is not null)
        {
            detail["reason"] = response.Reason;
        }

        if (retained)
        {
            detail["retained"] = "true";
        }

        await _outbox.EnqueueAsync(MessageKind.Event, new EventBody("command", $"{response.Verb} {detail["outcome"]}", detail),
            MessagesJsonContext.Default.EventBody, cancellationToken);
        return response;
    }

    /// <summary>Who carried a command to the station, as the audit event's "via".</summary>
    public static class Via
    {
        public const string Mqtt = "mqtt";

        public const string Dashboard = "dashboard";
    }

    /// <summary>The correlation id of a refused retained command, so its sender can match the answer; null when unreadable.</summary>
    private static string? CorrelationIdOf(byte[] payload)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("correlationId"u8))
                {
                    return reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.String && reader.GetString() is { Length: > 0 and <= 128 } id ? id : null;
                }

                reader.Read();
                reader.TrySkip();
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return null;
    }
}
