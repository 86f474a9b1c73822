using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;

namespace EdgeInspect.Core.Tests.Records;

/// <summary>The hand-written result writer produces exactly the bytes of the source-generated serializer.</summary>
public sealed class RecordJsonWriterTests
{
    public static TheoryData<string> Cases => ["plain", "human", "timed-out", "candidate", "sample", "nan", "no-probabilities", "flags", "escapes"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writes_The_Same_Bytes_As_The_Source_Generated_Serializer(string name)
    {
        var record = Case(name);
        var expected = RecordJson.SerializeToUtf8(record);

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            RecordJsonWriter.Write(writer, record);
        }

        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static InspectionRecord Case(string name)
    {
        var sample = InspectionRecordJsonTests.Sample();
        return name switch
        {
            "plain" => sample,
            "human" => InspectionRecordJsonTests.Sample(human: new HumanRecord("alice", "left", Verdict.Pass, false, 830, true)),
            "timed-out" => InspectionRecordJsonTests.Sample(human: new HumanRecord("alice", "left", null, true, 5000, false)),
            "candidate" => sample with
            {
                Candidate = new CandidateRecord(new ModelRef("phone-v2", "2.0.0", "cd34"), new ModelOutputRecord("ok", 0.2, [0.8, 0.2], Verdict.Pass, false, 3.25), false),
            },
            "sample" => sample with { SamplePath = "station3-1795337400123-42.jpg" },
            "nan" => sample with
            {
                ModelOutput = sample.ModelOutput! with { Score = double.NaN, Probabilities = [double.PositiveInfinity, double.NegativeInfinity] },
                Input = sample.Input! with { Sharpness = double.NaN },
            },
            "no-probabilities" => sample with { ModelOutput = sample.ModelOutput! with { Class = null, Probabilities = null }, Input = null },
            "flags" => sample with { Outcome = sample.Outcome with { DeadlineMissed = true, AuditPending = false, Agreement = null } },
            "escapes" => sample with { PartId = "line+1 <é> \"quoted\" 'x' & \u0001", ConfigRevision = "rév 2/3\\4", ModelOutput = null },
            _ => throw new ArgumentException(name),
        };
    }
}
