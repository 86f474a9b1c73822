using System.Text;
using System.Text.Json.Nodes;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Models;
using EdgeInspect.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Fuzzing;

/// <summary>What fuzzing the Core parsers found (docs/reliability.md), each as the smallest input that showed it.</summary>
public sealed class CoreFindingsTests
{
    private static readonly byte[] Key = Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

    private static CommandDispatcher Dispatcher(byte[]? key = null) =>
        new CommandDispatcher(key, TimeSpan.FromMinutes(5), new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero)))
            .Register(new DelegateCommandHandler("snapshot", CommandSchema.Empty, (_, _) => ValueTask.FromResult(CommandOutcome.Accept())))
            .Register(new DelegateCommandHandler("set-inspector",
                new CommandSchema(new ArgSpec("position", ArgType.String, MaxLength: 64), new ArgSpec("inspectorId", ArgType.String, MaxLength: 128)),
                (r, _) => ValueTask.FromResult(CommandOutcome.Accept($"{r.Args.GetProperty("inspectorId").GetString()} is at {r.Args.GetProperty("position").GetString()}"))));

    [Fact]
    public async Task A_Correlation_Id_With_Invalid_Utf8_Is_Rejected_Not_Thrown()
    {
        byte[] payload = [.. "{\"correlationId\":\"c-"u8, 0xCA, .. "4\",\"args\":{}}"u8];

        var response = await Dispatcher().DispatchAsync("snapshot", payload);

        Assert.False(response.Accepted);
        Assert.Contains("malformed JSON: the string at $.correlationId is not valid text", response.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_Arg_Holding_A_Lone_Surrogate_Escape_Is_Rejected_Not_Thrown()
    {
        var response = await Dispatcher().DispatchAsync("set-inspector", Encoding.UTF8.GetBytes("""{"correlationId":"c","args":{"position":"left","inspectorId":"\ud800"}}"""));

        Assert.False(response.Accepted);
        Assert.Contains("$.args.inspectorId is not valid text", response.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Key_Holding_A_Lone_Surrogate_Escape_Is_Rejected_Not_Thrown()
    {
        var response = await Dispatcher().DispatchAsync("snapshot", Encoding.UTF8.GetBytes("""{"correlationId":"c","args":{"\udc00":1}}"""));

        Assert.False(response.Accepted);
        Assert.Contains("a key in $.args is not valid text", response.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Signed_Command_Whose_Hmac_Holds_Invalid_Utf8_Is_Rejected_Not_Thrown()
    {
        byte[] payload = [.. "{\"correlationId\":\"c-6\",\"issuedAt\":\"2026-12-01T12:00:00Z\",\"args\":{},\"hmac\":\"3a"u8, 0xDE, .. "14\"}"u8];

        var response = await Dispatcher(Key).DispatchAsync("snapshot", payload);

        Assert.False(response.Accepted);
        Assert.Contains("$.hmac is not valid text", response.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"schema":"s","device":"d","epoch":"1","seq":1,"ts":"2026-12-01T12:00:00Z"}""")]
    [InlineData("""{"schema":"s","device":"d","epoch":[3],"seq":1,"ts":"2026-12-01T12:00:00Z"}""")]
    [InlineData("""{"schema":"s","device":"d","epoch":1,"seq":1,"ts":7}""")]
    [InlineData("""{"schema":"\ud800","device":"d","epoch":1,"seq":1,"ts":"2026-12-01T12:00:00Z"}""")]
    public void An_Envelope_With_A_Field_Of_The_Wrong_Type_Is_Not_An_Envelope(string json)
    {
        Assert.False(Envelope.TryReadHeader(Encoding.UTF8.GetBytes(json), out _));
    }

    private static JsonObject Manifest() => JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Models, "reference", "model.json")))!.AsObject();

    private static ModelPackageException Refused(JsonObject manifest) =>
        Assert.Throws<ModelPackageException>(() => ModelManifestReader.Parse(manifest.ToJsonString()));

    [Fact]
    public void An_Expected_Output_Beyond_Float32_Is_Refused_Not_Read_As_Infinity()
    {
        var m = Manifest();
        m["golden_samples"]![0]!["expected_output"]![0] = 1e39;

        var e = Refused(m);

        Assert.Contains(e.Errors, x => x.Path == "golden_samples[0].expected_output[0]" && x.Expected.Contains("float32", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("scale", 1e39)]
    [InlineData("std", 1e-50)]
    [InlineData("mean", -1e39)]
    public void An_Input_Number_That_Float32_Cannot_Hold_Is_Refused(string field, double value)
    {
        var m = Manifest();
        if (field == "scale")
        {
            m["input"]!["scale"] = value;
        }
        else
        {
            m["input"]![field]![0] = value;
        }

        var e = Refused(m);

        Assert.Contains(e.Errors, x => x.Path.StartsWith($"input.{field}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Roi_Whose_End_Overflows_An_Int_Is_Refused()
    {
        var m = Manifest();
        m["input"]!["roi"]!["width"] = int.MaxValue;

        Assert.Contains(Refused(m).Errors, x => x.Path == "input.roi.width");
    }

    [Fact]
    public void A_Tensor_Shape_Whose_Element_Count_Overflows_An_Int_Is_Refused()
    {
        var m = Manifest();
        m["input"]!["shape"] = new JsonArray(1, 3, 224, int.MaxValue);

        Assert.Contains(Refused(m).Errors, x => x.Path == "input.shape" && x.Expected.Contains("8192", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Version_Holding_A_Control_Character_Is_Refused()
    {
        var m = Manifest();
        m["version"] = "\u0000";

        Assert.Contains(Refused(m).Errors, x => x.Path == "version" && x.Problem.Contains("U+0000", StringComparison.Ordinal));
    }

    [Fact]
    public void An_Invisible_Class_Name_Is_Refused()
    {
        var m = Manifest();
        m["output"]!["class_names"]![1] = "\uFEFF";

        Assert.Contains(Refused(m).Errors, x => x.Path == "output.class_names[1]" && x.Problem.Contains("blank", StringComparison.Ordinal));
    }
}
