using System.Text;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Messages;

namespace EdgeInspect.Core.Tests.Fuzzing;

/// <summary>
/// The one name rule (<see cref="Names"/>) and its Core entry points: command args, correlation ids, the inspector
/// roster, MQTT topic levels. (Worker entry points: StationNameChecksTests.)
/// </summary>
public sealed class NameChecksTests
{
    [Theory]
    [InlineData(null, "is missing")]
    [InlineData("", "is empty")]
    [InlineData(" ", "is blank")]
    [InlineData("\t \u00a0", "contains a control character (U+0009)")]
    [InlineData("\u200b", "is blank")]
    [InlineData("\uFEFF", "is blank")]
    [InlineData("ana\n", "contains a control character (U+000A) at position 3")]
    [InlineData("a\u0000", "contains a control character (U+0000)")]
    [InlineData("a\u007f", "contains a control character (U+007F)")]
    [InlineData("a\u0085", "contains a control character (U+0085)")]
    public void A_Name_That_Shows_Nothing_Or_Breaks_Lines_Is_Refused(string? name, string problem)
    {
        Assert.StartsWith(problem, Names.Problem(name), StringComparison.Ordinal);
        Assert.False(Names.IsValid(name));
        var e = Assert.Throws<ArgumentException>(() => Names.Require(name, "inspectorId"));
        Assert.StartsWith($"inspectorId {problem}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Name_With_A_Broken_Surrogate_Is_Refused()
    {
        // Built in code: xunit's test-case serialization would turn a lone surrogate in InlineData into U+FFFD.
        Assert.Equal("contains a broken UTF-16 surrogate (U+D800) at position 1", Names.Problem("x" + (char)0xD800));
        Assert.Equal("contains a broken UTF-16 surrogate (U+DC00) at position 0", Names.Problem((char)0xDC00 + "x"));
    }

    [Theory]
    [InlineData("ana")]
    [InlineData("Ana Lima")]
    [InlineData(" padded ")]
    [InlineData("badge-0042")]
    [InlineData("\ud83d\ude00")]
    [InlineData("Zoë")]
    [InlineData("検査員")]
    public void A_Name_With_Something_Visible_Is_Kept(string name)
    {
        Assert.Null(Names.Problem(name));
        Assert.Equal(name, Names.Require(name, "name"));
    }

    private static CommandDispatcher SetInspector() =>
        new CommandDispatcher().Register(new DelegateCommandHandler("set-inspector",
            new CommandSchema(new ArgSpec("position", ArgType.String, MaxLength: 64), new ArgSpec("inspectorId", ArgType.String, MaxLength: 128)),
            (r, _) => ValueTask.FromResult(CommandOutcome.Accept($"{r.Args.GetProperty("inspectorId").GetString()} is at {r.Args.GetProperty("position").GetString()}"))));

    [Theory]
    [InlineData("", "argument 'inspectorId' is empty")]
    [InlineData("   ", "argument 'inspectorId' is blank")]
    [InlineData("\\u200b", "argument 'inspectorId' is blank")]
    [InlineData("ana\\n", "argument 'inspectorId' contains a control character (U+000A)")]
    public async Task A_Command_Arg_That_Is_No_Name_Is_Rejected_Before_The_Handler(string id, string reason)
    {
        var response = await SetInspector().DispatchAsync("set-inspector", Encoding.UTF8.GetBytes($$$"""{"correlationId":"c","args":{"position":"left","inspectorId":"{{{id}}}"}}"""));

        Assert.False(response.Accepted);
        Assert.StartsWith(reason, response.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\\u0007")]
    public async Task A_Correlation_Id_That_Is_No_Name_Is_Rejected(string id)
    {
        var response = await SetInspector().DispatchAsync("set-inspector", Encoding.UTF8.GetBytes($$$"""{"correlationId":"{{{id}}}","args":{"position":"left","inspectorId":"ana"}}"""));

        Assert.False(response.Accepted);
        Assert.Null(response.CorrelationId);
        Assert.StartsWith("correlationId ", response.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\u200b")]
    public void The_Roster_Refuses_A_Blank_Inspector_Id_And_Keeps_Who_Was_There(string id)
    {
        var roster = new InspectorRoster([("left", "ana")]);

        var e = Assert.Throws<ArgumentException>(() => roster.TrySet("left", id));

        Assert.StartsWith("inspectorId ", e.Message, StringComparison.Ordinal);
        Assert.Equal("ana", roster.At("left"));
    }

    [Theory]
    [InlineData(" ", "is blank")]
    [InlineData("line\t1", "contains a control character (U+0009)")]
    [InlineData("\u200b", "is blank")]
    public void A_Topic_Level_That_Is_No_Name_Is_Refused(string level, string problem)
    {
        Assert.StartsWith(problem, StationTopics.SegmentProblem(level), StringComparison.Ordinal);
        var e = Assert.Throws<ArgumentException>(() => new StationTopics("edgeinspect", "site", level, "l1", "st"));
        Assert.Contains($"segment 'area' {problem}", e.Message, StringComparison.Ordinal);
    }
}
