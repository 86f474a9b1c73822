using BenchmarkDotNet.Attributes;
using EdgeInspect.Core.Automation;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Messages;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.OutboxStage;

namespace EdgeInspect.Benchmarks.Link;

/// <summary>
/// What a part costs on its way out: serializing its provenance envelope (the record, then the message envelope
/// around it), and writing it to the durable outbox (SQLite WAL, synchronous=FULL), one awaited writer against
/// 64 overlapping ones (group commit). The bare baseline is the record serialization alone.
/// </summary>
[Config(typeof(BenchConfig))]
public class RecordPublishingBenchmarks
{
    private const int Batch = 64;

    private readonly EnvelopeHeader _header = new(Schemas.Result, "bench-01", 7, 123_456, DateTimeOffset.UnixEpoch);
    private readonly ValueTask<long>[] _writes = new ValueTask<long>[Batch];
    private InspectionRecord _record = null!;
    private byte[] _body = null!;
    private Outbox _outbox = null!;
    private string _folder = "";
    private readonly PooledBufferWriter _pooledBody = new();
    private readonly PooledBufferWriter _pooledEnvelope = new();
    private System.Text.Json.Utf8JsonWriter _bodyWriter = null!;
    private System.Text.Json.Utf8JsonWriter _envelopeWriter = null!;

    [GlobalSetup]
    public void Setup()
    {
        var settings = new CameraSettings(640, 480, 30, double.NaN, double.NaN, null);
        _record = new InspectionRecord(
            "bench-01", 1_795_337_400_123, 42, DateTimeOffset.UnixEpoch, new StationRef("plant", "assembly", "line1", "station3"),
            "station3-1795337400123-42", CameraRecord.From("cam0", settings),
            new FrameRecord(42, FrameTrigger.Triggered, 42, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 38.2),
            new ModelRef("phone-cover-defects", "1.0.0", new string('a', 64)), "shadow", "2026-11-22.1",
            new ModelOutputRecord("scratch", 0.987, [0.013, 0.981, 0.003, 0.003], Verdict.Fail, false, 2.1),
            new HumanRecord("inspector-ana", "left", Verdict.Fail, false, 412.5, false),
            new OutcomeRecord(FinalDecision.Fail, DecidedBy.Human, Actuation.Reject, true, false))
        {
            Input = new InputStatisticsRecord(119.5, 45.5, 155.1, 0, 0.0003, 127.6, 120.4, 114.7),
        };
        _body = RecordJson.SerializeToUtf8(_record);
        _bodyWriter = new System.Text.Json.Utf8JsonWriter(_pooledBody, Envelope.Options);
        _envelopeWriter = new System.Text.Json.Utf8JsonWriter(_pooledEnvelope, Envelope.Options);
        _folder = Directory.CreateTempSubdirectory("edgeinspect-outbox-bench-").FullName;
        _outbox = Outbox.Open(new OutboxOptions { Path = Path.Combine(_folder, "outbox.db"), MaxRecords = 100_000_000, MaxBytes = 1L << 40 }, "bench-01");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _outbox.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "record JSON only")]
    public byte[] SerializeRecord() => RecordJson.SerializeToUtf8(_record);

    [Benchmark(Description = "record JSON + message envelope")]
    public byte[] SerializeEnvelope() => Envelope.Write(_header, RecordJson.SerializeToUtf8(_record));

    [Benchmark(Description = "record JSON + envelope, pooled (RecordJsonWriter, the station's path)")]
    public int SerializeEnvelopePooled()
    {
        _pooledBody.Clear();
        _bodyWriter.Reset(_pooledBody);
        RecordJsonWriter.Write(_bodyWriter, _record);
        _bodyWriter.Flush();
        _pooledEnvelope.Clear();
        _envelopeWriter.Reset(_pooledEnvelope);
        Envelope.WriteTo(_envelopeWriter, _header, _pooledBody.WrittenSpan, trustedBody: true);
        return _pooledEnvelope.WrittenCount;
    }

    [Benchmark(Description = "outbox insert of a record written in place, 1 awaited writer (per record)")]
    public async Task<long> OutboxInsertRecordOne() =>
        await _outbox.EnqueueAsync(MessageKind.Result, _record, static (writer, record) => RecordJsonWriter.Write(writer, record));

    [Benchmark(Description = "outbox insert, 1 awaited writer (per record)")]
    public async Task<long> OutboxInsertOne() => await _outbox.EnqueueAsync(MessageKind.Result, _body);

    [Benchmark(OperationsPerInvoke = Batch, Description = "outbox insert, 64 overlapping writers (per record)")]
    public async Task<long> OutboxInsertOverlapping()
    {
        for (var i = 0; i < Batch; i++)
        {
            _writes[i] = _outbox.EnqueueAsync(MessageKind.Result, _body);
        }

        long last = 0;
        for (var i = 0; i < Batch; i++)
        {
            last = await _writes[i];
        }

        return last;
    }
}
