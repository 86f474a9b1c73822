using System.Text;
using System.Text.Json;
using CsCheck;
using EdgeInspect.Core.Messages;
using EdgeInspect.Tests.Fuzzing;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Fuzzing;

/// <summary>
/// Fuzzes <see cref="CommandDispatcher"/> and <see cref="CommandSchema"/>: verb, payload and args as an MQTT sender can
/// put them on the wire. Property: one response for every payload, never an exception; a rejection always has a
/// reason; the response serializes into an envelope that parses back; a handler only ever sees args its schema
/// accepted.
/// </summary>
[Trait("Category", "Fuzz")]
[Collection(FuzzRun.Collection)]
public sealed class CommandDispatcherFuzzTests
{
    private static readonly byte[] Key = Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The station's verb shapes (Worker/Hosting/StationCommands.cs), with handlers that read args as its handlers do.</summary>
    private static CommandDispatcher Build(byte[]? key)
    {
        string[] modes = ["shadow", "assist", "partial", "canary", "live"];
        return new CommandDispatcher(key, TimeSpan.FromMinutes(5), new FakeTimeProvider(Now))
            .Register(new DelegateCommandHandler("set-mode",
                new CommandSchema(new ArgSpec("mode", ArgType.String, OneOf: modes), new ArgSpec("by", ArgType.String, Required: false, MaxLength: 128), new ArgSpec("reason", ArgType.String, Required: false, MaxLength: 512)),
                (r, _) => ValueTask.FromResult(CommandOutcome.Accept($"mode is {r.Args.GetProperty("mode").GetString()} by {Optional(r, "by")}"))))
            .Register(new DelegateCommandHandler("set-inspector",
                new CommandSchema(new ArgSpec("position", ArgType.String, MaxLength: 64), new ArgSpec("inspectorId", ArgType.String, MaxLength: 128)),
                (r, _) => ValueTask.FromResult(CommandOutcome.Accept($"{r.Args.GetProperty("inspectorId").GetString()} is at {r.Args.GetProperty("position").GetString()}"))))
            .Register(new DelegateCommandHandler("set-threshold",
                new CommandSchema(new ArgSpec("detector", ArgType.String, MaxLength: 128), new ArgSpec("threshold", ArgType.Number, Min: 0, Max: 1000)),
                (r, _) => ValueTask.FromResult(CommandOutcome.Accept($"{r.Args.GetProperty("detector").GetString()} threshold is {r.Args.GetProperty("threshold").GetDouble()}"))))
            .Register(new DelegateCommandHandler("trigger", new CommandSchema(new ArgSpec("count", ArgType.Integer, Required: false, Min: 1, Max: 100)),
                (r, _) => ValueTask.FromResult(CommandOutcome.Accept($"{(r.Args.TryGetProperty("count", out var c) ? c.GetInt32() : 1)} part(s) triggered"))))
            .Register(new DelegateCommandHandler("calibrate", new CommandSchema(new ArgSpec("enabled", ArgType.Boolean)),
                (r, _) => r.Args.GetProperty("enabled").GetBoolean() ? ValueTask.FromResult(CommandOutcome.Reject("calibration refused")) : throw new InvalidOperationException("a handler that throws")))
            .Register(new DelegateCommandHandler("snapshot", CommandSchema.Empty, (_, _) => ValueTask.FromResult(CommandOutcome.Accept())));
    }

    private static string? Optional(CommandRequest request, string name) => request.Args.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static readonly string[] Verbs = ["set-mode", "set-inspector", "set-threshold", "trigger", "calibrate", "snapshot"];

    /// <summary>A valid body per verb: the seeds the mutants start from.</summary>
    private static readonly (string Verb, string Body)[] Seeds =
    [
        ("set-mode", """{"correlationId":"c-1","args":{"mode":"canary","by":"ana","reason":"ramp-up"}}"""),
        ("set-mode", """{"correlationId":"c-1b","args":{"mode":"live"}}"""),
        ("set-inspector", """{"correlationId":"c-2","args":{"position":"left","inspectorId":"badge-0042"}}"""),
        ("set-threshold", """{"correlationId":"c-3","args":{"detector":"cam0.brightness","threshold":0.25}}"""),
        ("trigger", """{"correlationId":"c-4","args":{"count":3}}"""),
        ("trigger", """{"correlationId":"c-4b"}"""),
        ("calibrate", """{"correlationId":"c-5","args":{"enabled":true}}"""),
        ("snapshot", """{"correlationId":"c-6"}"""),
        ("snapshot", """{"correlationId":"c-7","args":{}}"""),
    ];

    /// <summary>Values that fit these schemas, so mutants often stay valid and reach the handlers.</summary>
    private static readonly string[] SchemaValues =
    [
        "\"shadow\"", "\"live\"", "\"left\"", "\"right\"", "\"ana\"", "\"badge-0042\"", "\"cam0.brightness\"", "\"drift*\"", "0.5", "1000", "1000.0001",
        "100", "101", "1", "0", "-1", "\"c-9\"", "\"" + new string('c', 128) + "\"", "\"" + new string('c', 129) + "\"", "\"" + new string('x', 39) + "\\ud83d\\ude00\"",
        "\"\\ud83d\\ude00\"", "\"Ana Lima\"", "\" ana\"", "\"ana\\u0000\"",
    ];

    private static Gen<(string Verb, byte[] Payload)> Commands(bool signed)
    {
        var weirdVerb = Gen.Frequency<string>(
            (1, Gen.OneOf(Verbs)),
            (1, Gen.OneOf("", "response", "SET-MODE", "set-mode ", "set_mode", "nope", "\u00e9", "a/b", "+", "#", new string('v', 300))),
            (1, Gen.String[0, 40]));
        var mutant = Gen.Int[0, Seeds.Length - 1].SelectMany(i =>
        {
            var (seedVerb, body) = Seeds[i];
            // Mostly the body's own verb, so mutants get past the verb lookup to the schema and the handler.
            var command = Gen.Select(Gen.Frequency<string>((8, Gen.Const(seedVerb)), (2, weirdVerb)), JsonMutator.MutantBytes([body], SchemaValues));
            // Signed: the mutant is signed as it stands (a sender with the key can send anything), at a skew of
            // up to ±10 minutes (the window is 5); some signatures are then broken on purpose.
            return !signed ? command : Gen.Select(command, Gen.Int[-600, 600], Gen.Int[0, 9], (c, skew, breakIt) => (c.Item1, SignMutant(c.Item1, c.Item2, Now.AddSeconds(skew), breakIt == 0)));
        });
        var big = Gen.Int[CommandDispatcher.MaxPayloadBytes - 2, CommandDispatcher.MaxPayloadBytes + 2]
            .Select(n => Encoding.UTF8.GetBytes("{\"correlationId\":\"big\",\"args\":{\"mode\":\"" + new string('x', Math.Max(0, n - 45)) + "\"}}"));
        return Gen.Frequency<(string, byte[])>(
            (14, mutant),
            (1, Gen.Select(weirdVerb, Gen.Byte.Array[0, 64])),
            (1, Gen.Select(Gen.Const("set-mode"), big)));
    }

    private static byte[] SignMutant(string verb, byte[] payload, DateTimeOffset issuedAt, bool breakSignature)
    {
        string signedBody;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("correlationId", out var cid) || cid.ValueKind != JsonValueKind.String)
            {
                return payload;
            }

            var args = root.TryGetProperty("args", out var a) ? a.GetRawText() : "{}";
            signedBody = CommandSignature.SignedBody(Key, verb, cid.GetString()!, issuedAt, args);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return payload; // not signable as it stands: sent unsigned
        }

        return Encoding.UTF8.GetBytes(breakSignature ? signedBody.Replace("\"hmac\":\"", "\"hmac\":\"0f", StringComparison.Ordinal) : signedBody);
    }

    [Fact(Timeout = 300_000)]
    public Task Unsigned_Commands_Always_Get_One_Well_Formed_Response() => Fuzz(signed: false);

    [Fact(Timeout = 300_000)]
    public Task Signed_Commands_Always_Get_One_Well_Formed_Response() => Fuzz(signed: true);

    private static async Task Fuzz(bool signed)
    {
        var dispatcher = Build(signed ? Key : null);
        long accepted = 0, rejected = 0;
        var reasons = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var total = await FuzzRun.CheckAsync(
            Commands(signed),
            c =>
            {
                var task = dispatcher.DispatchAsync(c.Verb, c.Payload);
                Assert.True(task.IsCompleted, "the dispatcher waited on something though every handler here is synchronous");
                var response = task.Result;
                CheckResponse(c.Verb, response);
                Interlocked.Increment(ref response.Accepted ? ref accepted : ref rejected);
                if (!response.Accepted)
                {
                    reasons.AddOrUpdate(string.Join(' ', response.Reason!.Split(' ').Take(3)), 1, (_, n) => n + 1);
                }
            },
            print: c => $"verb {JsonMutator.Quote(c.Verb)} payload {Convert.ToHexString(c.Payload)} ({Encoding.UTF8.GetString(c.Payload)})");

        // Both outcomes must be reached in volume, or the generator only ever tests the JSON parser.
        FuzzRun.Reached("accepted", accepted, total, 0.05, () => string.Join("; ", reasons.OrderByDescending(r => r.Value).Take(8).Select(r => $"{r.Value}× {r.Key}")));
        FuzzRun.Reached("rejected", rejected, total, 0.05);
    }

    /// <summary>What every response must satisfy, whatever came in.</summary>
    internal static void CheckResponse(string verb, CommandResponseBody response)
    {
        Assert.NotNull(response);
        Assert.NotNull(response.Verb);
        Assert.True(response.Verb.Length <= 41, $"the verb is echoed at {response.Verb.Length} characters");
        Assert.StartsWith(response.Verb.TrimEnd('…'), verb, StringComparison.Ordinal);
        if (!response.Accepted)
        {
            Assert.False(string.IsNullOrWhiteSpace(response.Reason), "a rejection without a reason");
        }
        else
        {
            Assert.True(Names.IsValid(response.CorrelationId), $"accepted with correlationId {JsonMutator.Quote(response.CorrelationId ?? "null")}");
        }

        // The answer goes out on cmd/response: it must serialize and parse back, whatever text it echoes.
        var bytes = Envelope.Write(new EnvelopeHeader(Schemas.CommandResponse, "dev", 1, 1, Now), response, MessagesJsonContext.Default.CommandResponseBody);
        using var parsed = JsonDocument.Parse(bytes);
        Assert.Equal(response.Accepted, parsed.RootElement.GetProperty("body").GetProperty("accepted").GetBoolean());
    }
}
