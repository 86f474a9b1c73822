using System.Text;
using EdgeInspect.Core.Messages;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Messages;

public sealed class CommandDispatcherTests
{
    private static readonly byte[] Key = Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

    private sealed class FakeHandler(string verb, CommandSchema schema, Func<CommandRequest, CommandOutcome>? decide = null) : ICommandHandler
    {
        public List<CommandRequest> Calls { get; } = [];

        public string Verb { get; } = verb;

        public CommandSchema Schema { get; } = schema;

        public ValueTask<CommandOutcome> HandleAsync(CommandRequest request, CancellationToken cancellationToken)
        {
            Calls.Add(request);
            return ValueTask.FromResult(decide?.Invoke(request) ?? CommandOutcome.Accept());
        }
    }

    private static readonly CommandSchema SetModeSchema = new(
        new ArgSpec("mode", ArgType.String, OneOf: ["shadow", "assist", "partial", "canary", "live"]),
        new ArgSpec("fraction", ArgType.Number, Required: false, Min: 0, Max: 1));

    private static (CommandDispatcher Dispatcher, FakeHandler Handler) Build(byte[]? key = null, TimeProvider? time = null)
    {
        var handler = new FakeHandler("set-mode", SetModeSchema);
        var dispatcher = new CommandDispatcher(key, TimeSpan.FromMinutes(5), time).Register(handler);
        return (dispatcher, handler);
    }

    private static ValueTask<CommandResponseBody> Send(CommandDispatcher dispatcher, string verb, string body) =>
        dispatcher.DispatchAsync(verb, Encoding.UTF8.GetBytes(body));

    [Fact]
    public async Task A_Valid_Command_Reaches_Its_Handler_And_Is_Accepted_With_Its_Correlation_Id()
    {
        var (dispatcher, handler) = Build();
        var response = await Send(dispatcher, "set-mode", "{\"correlationId\":\"c-1\",\"args\":{\"mode\":\"canary\",\"fraction\":0.1}}");

        Assert.True(response.Accepted, response.Reason);
        Assert.Equal("c-1", response.CorrelationId);
        Assert.Equal("canary", Assert.Single(handler.Calls).Args.GetProperty("mode").GetString());
    }

    [Theory]
    [InlineData("{\"correlationId\":\"c\",\"args\":{\"mode\":", "malformed JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"args\":{\"mode\":\"live\"}}", "correlationId is missing")]
    [InlineData("{\"correlationId\":42,\"args\":{\"mode\":\"live\"}}", "correlationId must be a string")]
    [InlineData("{\"correlationId\":\"c\",\"args\":{\"mode\":7}}", "argument 'mode' must be a string, not a number")]
    [InlineData("{\"correlationId\":\"c\",\"args\":{\"mode\":\"turbo\"}}", "expected one of shadow")]
    [InlineData("{\"correlationId\":\"c\",\"args\":{\"mode\":\"live\",\"fraction\":\"half\"}}", "must be a number")]
    [InlineData("{\"correlationId\":\"c\",\"args\":{\"mode\":\"live\",\"fraction\":2}}", "expected 0..1")]
    [InlineData("{\"correlationId\":\"c\",\"args\":{\"mode\":\"live\",\"force\":true}}", "unknown argument 'force'")]
    [InlineData("{\"correlationId\":\"c\",\"args\":{}}", "argument 'mode' is missing")]
    [InlineData("{\"correlationId\":\"c\",\"args\":\"live\"}", "args must be a JSON object")]
    public async Task Bad_Commands_Are_Rejected_With_A_Reason_And_Never_Reach_The_Handler(string body, string reason)
    {
        var (dispatcher, handler) = Build();
        var response = await Send(dispatcher, "set-mode", body);

        Assert.False(response.Accepted);
        Assert.Contains(reason, response.Reason);
        Assert.Empty(handler.Calls);
    }

    [Fact]
    public async Task An_Unknown_Verb_Is_Rejected_And_The_Allowed_Verbs_Are_Named()
    {
        var (dispatcher, _) = Build();
        var response = await Send(dispatcher, "format-disk", "{\"correlationId\":\"c-9\"}");

        Assert.False(response.Accepted);
        Assert.Equal("c-9", response.CorrelationId);
        Assert.Contains("unknown verb 'format-disk' (allowed: set-mode)", response.Reason);
    }

    [Fact]
    public async Task A_Payload_Over_64_KB_Is_Rejected_Before_Parsing()
    {
        var (dispatcher, handler) = Build();
        var body = "{\"correlationId\":\"c\",\"args\":{\"mode\":\"" + new string('x', 70_000) + "\"}}";
        var response = await Send(dispatcher, "set-mode", body);

        Assert.False(response.Accepted);
        Assert.Contains("the limit is 65536", response.Reason);
        Assert.Empty(handler.Calls);
    }

    [Fact]
    public async Task A_Handler_That_Throws_Becomes_A_Rejection()
    {
        var dispatcher = new CommandDispatcher().Register(new FakeHandler("promote", CommandSchema.Empty, _ => throw new InvalidOperationException("no candidate loaded")));
        var response = await Send(dispatcher, "promote", "{\"correlationId\":\"c\"}");

        Assert.False(response.Accepted);
        Assert.Contains("no candidate loaded", response.Reason);
    }

    [Fact]
    public async Task A_Handler_Rejection_Carries_The_Handlers_Reason()
    {
        var dispatcher = new CommandDispatcher().Register(new FakeHandler("rollback", CommandSchema.Empty, _ => CommandOutcome.Reject("no previous model")));
        var response = await Send(dispatcher, "rollback", "{\"correlationId\":\"c\"}");
        Assert.Equal((false, "no previous model"), (response.Accepted, response.Reason));
    }

    [Fact]
    public async Task With_A_Key_A_Correctly_Signed_Command_Is_Accepted()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
        var (dispatcher, handler) = Build(Key, time);
        var body = CommandSignature.SignedBody(Key, "set-mode", "c-2", time.GetUtcNow(), "{\"mode\":\"live\"}");

        var response = await Send(dispatcher, "set-mode", body);

        Assert.True(response.Accepted, response.Reason);
        Assert.Single(handler.Calls);
    }

    [Fact]
    public async Task With_A_Key_Unsigned_Tampered_Replayed_Or_Wrong_Verb_Commands_Are_Rejected()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
        var (dispatcher, handler) = Build(Key, time);
        var signed = CommandSignature.SignedBody(Key, "set-mode", "c-3", time.GetUtcNow(), "{\"mode\":\"live\"}");

        Assert.Contains("hmac is missing", (await Send(dispatcher, "set-mode", "{\"correlationId\":\"c\",\"args\":{\"mode\":\"live\"}}")).Reason);
        Assert.Contains("hmac does not match", (await Send(dispatcher, "set-mode", signed.Replace("\"live\"", "\"shadow\""))).Reason);
        Assert.Contains("hmac does not match", (await Send(dispatcher, "set-mode", CommandSignature.SignedBody(new byte[32], "set-mode", "c", time.GetUtcNow(), "{\"mode\":\"live\"}"))).Reason);
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Contains("away from the device clock", (await Send(dispatcher, "set-mode", signed)).Reason);
        Assert.Empty(handler.Calls);
    }

    [Theory]
    [InlineData("Set-Mode")]
    [InlineData("response")]
    [InlineData("a/b")]
    public void Verbs_Outside_The_Naming_Rule_Cannot_Be_Registered(string verb)
    {
        Assert.Throws<ArgumentException>(() => new CommandDispatcher().Register(new FakeHandler(verb, CommandSchema.Empty)));
    }
}
