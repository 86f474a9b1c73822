using System.Text;
using System.Text.Json;
using CsCheck;
using EdgeInspect.Core.Messages;
using EdgeInspect.Tests.Fuzzing;

namespace EdgeInspect.Core.Tests.Fuzzing;

/// <summary>
/// Fuzzes the envelope reader and the payload JSON: <see cref="Envelope.TryReadHeader"/> answers true or false for
/// any bytes and never throws; what the station writes reads back exactly; the payload bodies read back as written.
/// </summary>
[Trait("Category", "Fuzz")]
[Collection(FuzzRun.Collection)]
public sealed class EnvelopeFuzzTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] Seeds =
    [
        Encoding.UTF8.GetString(Envelope.Write(new EnvelopeHeader(Schemas.Result, "ei-arm-0042", 3, 1017, Now), "{\"partId\":\"station3-1\"}"u8)),
        Encoding.UTF8.GetString(Envelope.Write(new EnvelopeHeader(Schemas.CommandResponse, "dev", 1, 1, Now),
            new CommandResponseBody("c-1", "set-mode", false, "argument 'mode' is 'turbo'"), MessagesJsonContext.Default.CommandResponseBody)),
        Encoding.UTF8.GetString(Envelope.Write(new EnvelopeHeader(Schemas.Alert, "dev", long.MaxValue, 0, Now),
            new AlertBody("drift-brightness", "raised", "warning", "brightness drifted", new Dictionary<string, double> { ["distance"] = 0.4 }), MessagesJsonContext.Default.AlertBody)),
    ];

    private static readonly string[] HeaderValues =
    [
        "\"2026-12-01T12:00:00.000Z\"", "\"2026-12-01T12:00:00+14:00\"", "\"9999-12-31T23:59:59.9999999Z\"", "\"0001-01-01T00:00:00Z\"", "\"2026-13-01T00:00:00Z\"",
        "\"edgeinspect.result/1\"", "\"dev\"", "1.5", "-1", "1e3", "\"1\"",
    ];

    [Fact(Timeout = 300_000)]
    public async Task Reading_A_Header_Never_Throws_And_Reads_Back_What_It_Claims()
    {
        long read = 0, refused = 0;
        var total = await FuzzRun.CheckAsync(
            Gen.Frequency<byte[]>((9, JsonMutator.MutantBytes(Seeds, HeaderValues)), (1, Gen.Byte.Array[0, 200])),
            payload =>
            {
                if (Envelope.TryReadHeader(payload, out var header))
                {
                    Assert.NotNull(header.Schema);
                    Assert.NotNull(header.Device);
                    // Whatever was accepted is what a JSON reader sees in the payload.
                    using var document = JsonDocument.Parse(payload);
                    Assert.Equal(header.Seq, document.RootElement.GetProperty("seq").GetInt64());
                    Assert.Equal(header.Epoch, document.RootElement.GetProperty("epoch").GetInt64());
                    Interlocked.Increment(ref read);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            },
            print: p => $"{Convert.ToHexString(p)} ({Encoding.UTF8.GetString(p)})");

        FuzzRun.Reached("read", read, total, 0.05);
        FuzzRun.Reached("refused", refused, total, 0.05);
    }

    [Fact(Timeout = 300_000)]
    public async Task What_The_Station_Writes_Reads_Back_Exactly()
    {
        var names = Gen.String[Gen.Char.AlphaNumeric, 1, 64];
        var headers = Gen.Select(names, names, Gen.Long, Gen.Long, Gen.DateTimeOffset, (schema, device, epoch, seq, ts) => new EnvelopeHeader(schema, device, epoch, seq, ts));
        var bodies = Gen.Select(Gen.String.Null(0.2), Gen.String, Gen.Bool, Gen.String.Null(0.2), (cid, verb, accepted, reason) => new CommandResponseBody(cid, verb, accepted, reason));
        await FuzzRun.CheckAsync(
            Gen.Select(headers, bodies),
            c =>
            {
                var (header, body) = c;
                var bytes = Envelope.Write(header, body, MessagesJsonContext.Default.CommandResponseBody);
                Assert.True(Envelope.TryReadHeader(bytes, out var back));
                // The writer keeps milliseconds only, always in UTC.
                var expected = header with { Timestamp = new DateTimeOffset(header.Timestamp.UtcTicks - (header.Timestamp.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero) };
                Assert.Equal(expected, back);
                using var document = JsonDocument.Parse(bytes);
                Assert.Equal(body, document.RootElement.GetProperty("body").Deserialize(MessagesJsonContext.Default.CommandResponseBody));
            });
    }
}
