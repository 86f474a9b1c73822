using System.Text;
using System.Text.Json;
using EdgeInspect.Core.Messages;

namespace EdgeInspect.Core.Tests.Messages;

public sealed class EnvelopeAndTopicsTests
{
    [Fact]
    public void Envelope_Carries_Schema_Device_Epoch_Seq_Utc_Time_And_The_Body_Unchanged()
    {
        var header = new EnvelopeHeader(Schemas.Result, "st-07", 3, 1234, new DateTimeOffset(2026, 11, 22, 14, 5, 6, 789, TimeSpan.FromHours(2)));
        var bytes = Envelope.Write(header, "{\"partId\":\"p-1\",\"score\":0.5}"u8);

        using var doc = JsonDocument.Parse(bytes);
        Assert.Equal("edgeinspect.result/1", doc.RootElement.GetProperty("schema").GetString());
        Assert.Equal("2026-11-22T12:05:06.789Z", doc.RootElement.GetProperty("ts").GetString());
        Assert.Equal("p-1", doc.RootElement.GetProperty("body").GetProperty("partId").GetString());
        Assert.True(Envelope.TryReadHeader(bytes, out var read));
        Assert.Equal(("st-07", 3L, 1234L), (read.Device, read.Epoch, read.Seq));
    }

    [Fact]
    public void Envelope_Refuses_A_Body_That_Is_Not_Json()
    {
        var header = new EnvelopeHeader(Schemas.Result, "st", 1, 1, DateTimeOffset.UnixEpoch);
        Assert.ThrowsAny<Exception>(() => Envelope.Write(header, "{not json"u8));
    }

    [Fact]
    public void Typed_Bodies_Serialize_In_Camel_Case_Without_Nulls()
    {
        var header = new EnvelopeHeader(Schemas.CommandResponse, "st", 1, 2, DateTimeOffset.UnixEpoch);
        var json = Encoding.UTF8.GetString(Envelope.Write(header, new CommandResponseBody("c-1", "promote", true, null), MessagesJsonContext.Default.CommandResponseBody));
        Assert.Contains("\"body\":{\"correlationId\":\"c-1\",\"verb\":\"promote\",\"accepted\":true}", json);
    }

    [Fact]
    public void Topics_Follow_The_Station_Namespace()
    {
        var topics = new StationTopics("ei", "plant-a", "assembly", "line-3", "st-07");
        Assert.Equal("ei/plant-a/assembly/line-3/st-07/status", topics.Status);
        Assert.Equal("ei/plant-a/assembly/line-3/st-07/alert/state/drift", topics.AlertState("drift"));
        Assert.Equal("ei/plant-a/assembly/line-3/st-07/cmd/+", topics.CommandFilter);
        Assert.Equal("set-mode", topics.VerbOf("ei/plant-a/assembly/line-3/st-07/cmd/set-mode"));
        Assert.Null(topics.VerbOf("ei/plant-a/assembly/line-3/st-07/cmd/response"));
        Assert.Null(topics.VerbOf("ei/plant-a/assembly/line-3/other/cmd/set-mode"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a+")]
    [InlineData("#")]
    public void Topic_Segments_With_Wildcards_Or_Slashes_Are_Refused(string bad)
    {
        Assert.Throws<ArgumentException>(() => new StationTopics("ei", "site", bad, "line", "st"));
    }
}
