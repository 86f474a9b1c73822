using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeInspect.Core.Messages;

/// <summary>A validated command, handed to its handler. <see cref="Args"/> is a detached copy and can be kept.</summary>
public sealed record CommandRequest(string Verb, string CorrelationId, JsonElement Args);

/// <summary>What a handler decided. A rejection always has a reason.</summary>
public readonly record struct CommandOutcome(bool Accepted, string? Reason)
{
    public static CommandOutcome Accept(string? note = null) => new(true, note);

    public static CommandOutcome Reject(string reason) => new(false, reason);
}

/// <summary>One command verb: its name, the schema of its args, and what it does. Wired to the pipeline by the caller.</summary>
public interface ICommandHandler
{
    /// <summary>The verb, as in the topic <c>cmd/{verb}</c>: lower case, digits and '-'.</summary>
    string Verb { get; }

    CommandSchema Schema { get; }

    /// <summary>Runs after validation (and HMAC when required). Throwing is a rejection, never a crash.</summary>
    ValueTask<CommandOutcome> HandleAsync(CommandRequest request, CancellationToken cancellationToken);
}

/// <summary>A handler from a delegate, for wiring verbs without a class each.</summary>
public sealed class DelegateCommandHandler(string verb, CommandSchema schema, Func<CommandRequest, CancellationToken, ValueTask<CommandOutcome>> handle)
    : ICommandHandler
{
    public string Verb { get; } = verb;

    public CommandSchema Schema { get; } = schema;

    public ValueTask<CommandOutcome> HandleAsync(CommandRequest request, CancellationToken cancellationToken) => handle(request, cancellationToken);
}

/// <summary>
/// Turns a raw <c>cmd/{verb}</c> payload into exactly one <see cref="CommandResponseBody"/>, accepted or rejected with a
/// reason. It never throws for anything a sender can put on the wire: size, JSON, verb, types, HMAC and handler failures
/// all become rejections.
/// </summary>
/// <remarks>
/// Wire format: <c>{"correlationId":"c-1","issuedAt":"2026-11-22T12:00:00Z","args":{...},"hmac":"hex"}</c>.
/// issuedAt and hmac are needed only when an HMAC key is configured (see <see cref="CommandSignature"/>).
/// Broker ACLs remain the main guard; the HMAC proves the body came from a holder of this device's key.
/// Thread-safe once built; <see cref="Register"/> is for startup.
/// </remarks>
public sealed partial class CommandDispatcher
{
    /// <summary>Larger command payloads are rejected before parsing.</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    private readonly Dictionary<string, ICommandHandler> _handlers = new(StringComparer.Ordinal);
    private readonly byte[]? _hmacKey;
    private readonly TimeSpan _maxSkew;
    private readonly TimeProvider _time;

    /// <param name="hmacKey">When set, every command must carry a valid hmac and an issuedAt within <paramref name="maxSkew"/>.</param>
    /// <param name="maxSkew">How far issuedAt may be from now (replay window).</param>
    /// <param name="time">Clock for the replay window.</param>
    public CommandDispatcher(byte[]? hmacKey = null, TimeSpan? maxSkew = null, TimeProvider? time = null)
    {
        _hmacKey = hmacKey is { Length: > 0 } ? hmacKey : null;
        _maxSkew = maxSkew ?? TimeSpan.FromMinutes(5);
        _time = time ?? TimeProvider.System;
    }

    public bool RequiresHmac => _hmacKey is not null;

    public IReadOnlyCollection<string> Verbs => _handlers.Keys;

    public CommandDispatcher Register(ICommandHandler handler)
    {
        if (!VerbPattern().IsMatch(handler.Verb) || handler.Verb == "response")
        {
            throw new ArgumentException($"'{handler.Verb}' is not a valid command verb (lower case letters, digits and '-', not 'response')", nameof(handler));
        }

        if (!_handlers.TryAdd(handler.Verb, handler))
        {
            throw new ArgumentException($"command verb '{handler.Verb}' is registered twice", nameof(handler));
        }

        return this;
    }

    public async ValueTask<CommandResponseBody> DispatchAsync(string verb, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var shownVerb = CommandSchema.Truncate(verb);
        if (payload.Length > MaxPayloadBytes)
        {
            return new CommandResponseBody(null, shownVerb, false, $"payload is {payload.Length} bytes; the limit is {MaxPayloadBytes}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            return new CommandResponseBody(null, shownVerb, false, $"malformed JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new CommandResponseBody(null, shownVerb, false, "the body must be a JSON object");
            }

            // The parser accepts strings that cannot become text (invalid UTF-8, a lone \uD800 escape); reading one
            // later would throw. Refuse the whole body here, once, so no handler or check meets one.
            if (BrokenText(root, "$") is { } broken)
            {
                return new CommandResponseBody(null, shownVerb, false, $"malformed JSON: {broken}");
            }

            string? correlationId = null;
            if (root.TryGetProperty("correlationId", out var cid))
            {
                if (cid.ValueKind != JsonValueKind.String || cid.GetString() is not { Length: > 0 and <= 128 } value)
                {
                    return new CommandResponseBody(null, shownVerb, false, "correlationId must be a string of 1..128 characters");
                }

                if (Names.Problem(value) is { } idProblem)
                {
                    return new CommandResponseBody(null, shownVerb, false, $"correlationId {idProblem}");
                }

                correlationId = value;
            }

            if (correlationId is null)
            {
                return new CommandResponseBody(null, shownVerb, false, "correlationId is missing");
            }

            if (!_handlers.TryGetValue(verb, out var handler))
            {
                var known = _handlers.Count == 0 ? "none" : string.Join(", ", _handlers.Keys.Order(StringComparer.Ordinal));
                return new CommandResponseBody(correlationId, shownVerb, false, $"unknown verb '{shownVerb}' (allowed: {known})");
            }

            var args = root.TryGetProperty("args", out var a) ? a : default;
            if (_hmacKey is not null && CheckSignature(verb, correlationId, root, args) is { } authProblem)
            {
                return new CommandResponseBody(correlationId, verb, false, authProblem);
            }

            var argsForSchema = args.ValueKind == JsonValueKind.Undefined ? EmptyObject() : args;
            if (handler.Schema.Validate(argsForSchema) is { } problem)
            {
                return new CommandResponseBody(correlationId, verb, false, problem);
            }

            CommandOutcome outcome;
            try
            {
                outcome = await handler.HandleAsync(new CommandRequest(verb, correlationId, argsForSchema.Clone()), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return new CommandResponseBody(correlationId, verb, false, "the service is shutting down");
            }
            catch (Exception e)
            {
                return new CommandResponseBody(correlationId, verb, false, $"handler failed: {e.GetType().Name}: {e.Message}");
            }

            return new CommandResponseBody(correlationId, verb, outcome.Accepted, outcome.Accepted ? outcome.Reason : outcome.Reason ?? "rejected");
        }
    }

    private string? CheckSignature(string verb, string correlationId, JsonElement root, JsonElement args)
    {
        if (!root.TryGetProperty("hmac", out var mac) || mac.ValueKind != JsonValueKind.String)
        {
            return "hmac is missing (this device requires signed commands)";
        }

        if (!root.TryGetProperty("issuedAt", out var issued) || issued.ValueKind != JsonValueKind.String || !issued.TryGetDateTimeOffset(out var issuedAt))
        {
            return "issuedAt is missing or not an ISO 8601 time (this device requires signed commands)";
        }

        var skew = (_time.GetUtcNow() - issuedAt).Duration();
        if (skew > _maxSkew)
        {
            return $"issuedAt is {skew.TotalSeconds:0} s away from the device clock; the limit is {_maxSkew.TotalSeconds:0} s";
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(mac.GetString()!);
        }
        catch (FormatException)
        {
            return "hmac is not hex";
        }

        var rawArgs = args.ValueKind == JsonValueKind.Undefined ? string.Empty : args.GetRawText();
        var expected = CommandSignature.Compute(_hmacKey!, verb, correlationId, issued.GetString()!, rawArgs);
        return CryptographicOperations.FixedTimeEquals(given, expected) ? null : "hmac does not match";
    }

    /// <summary>Where the first string or key that does not decode to text is, or null when every one does.</summary>
    private static string? BrokenText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return $"a key in {path} is not valid text (invalid UTF-8 or a lone surrogate escape)";
                    }

                    if (BrokenText(property.Value, $"{path}.{CommandSchema.Truncate(name)}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (BrokenText(item, $"{path}[{index++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return $"the string at {path} is not valid text (invalid UTF-8 or a lone surrogate escape)";
                }

            default:
                return null;
        }
    }

    private static JsonElement EmptyObject()
    {
        using var empty = JsonDocument.Parse("{}");
        return empty.RootElement.Clone();
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,31}$")]
    private static partial Regex VerbPattern();
}

/// <summary>
/// The command HMAC: HMAC-SHA256 with the device's key over
/// <c>verb "\n" correlationId "\n" issuedAt "\n" args</c>, where issuedAt and args are the exact text sent
/// (args as it appears in the body, byte for byte). Binding the verb and time stops a signed body being replayed
/// on another verb or much later.
/// </summary>
public static class CommandSignature
{
    public static byte[] Compute(byte[] key, string verb, string correlationId, string issuedAt, string rawArgs) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{verb}\n{correlationId}\n{issuedAt}\n{rawArgs}"));

    /// <summary>Builds a signed command body (for tools and tests): args is serialized exactly as it is signed.</summary>
    public static string SignedBody(byte[] key, string verb, string correlationId, DateTimeOffset issuedAt, string argsJson)
    {
        var issued = issuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var mac = Convert.ToHexStringLower(Compute(key, verb, correlationId, issued, argsJson));
        return $"{{\"correlationId\":{JsonSerializer.Serialize(correlationId, MessagesJsonContext.Default.String)},\"issuedAt\":\"{issued}\",\"args\":{argsJson},\"hmac\":\"{mac}\"}}";
    }
}
