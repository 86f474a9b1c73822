using System.Threading.Channels;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Records;
using EdgeInspect.Core.Samples;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Routing;

namespace EdgeInspect.Worker.Pipeline.Sampling;

/// <summary>JPEG-encodes a frame for a saved sample (OpenCV in the station; anything in tests).</summary>
public interface IFrameEncoder
{
    byte[] EncodeJpeg(Frame frame);
}

/// <summary>
/// Sample capture: saves the parts worth retraining on (disagreements, uncertain predictions, a random fraction) as a
/// JPEG plus a JSON sidecar, and names the sample in the part's record.
/// </summary>
/// <remarks>
/// <para>Owns: the sample policy and the <see cref="SampleWriter"/>. Selection runs once per part, when its last fact
/// is known: at its decision, or, for a part an inspector audits later, at the audit verdict (the sample path then goes
/// on the audit record, and the sidecar holds the result with the verdict filled in).</para>
/// <para>Frames: routing asks <see cref="Keep"/> whether to keep a part's frame until then. A frame is kept only while
/// the pool is more than half free, so samples can never starve capture; a sample lost that way, or refused by the
/// writer, is counted in <c>pipeline.drops.samples</c>. A JPEG frame is saved as the camera's own bytes; other
/// formats are encoded here, off the inference thread.</para>
/// </remarks>
public sealed class SamplingStage : IMetricsSource, IAsyncDisposable
{
    private readonly Channel<PartMessage> _input;
    private readonly FramePool _pool;
    private readonly IFrameEncoder _encoder;
    private readonly SampleWriter? _writer;
    private readonly ILogger _logger;
    private SamplePolicy _policy;
    private long _skipped;

    public SamplingStage(SampleOptions options, FramePool pool, IFrameEncoder encoder, PipelineOptions pipeline, ILoggerFactory loggers)
    {
        _pool = pool;
        _encoder = encoder;
        _logger = loggers.CreateLogger<SamplingStage>();
        _policy = new SamplePolicy(options);
        _writer = options.RandomFraction > 0 || options.SaveDisagreements || options.SaveUncertain
            ? new SampleWriter(options.Folder, options.QuotaBytes, options.QueueCapacity, loggers.CreateLogger<SampleWriter>(), options.MinFreeBytes)
            : null;
        _input = Channel.CreateBounded<PartMessage>(new BoundedChannelOptions(pipeline.StageQueue) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    }

    /// <summary>Routing's decisions and late verdicts come in here.</summary>
    public ChannelWriter<PartMessage> Input => _input.Writer;

    /// <summary>Samples lost: no frame could be kept, or the writer refused them.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>
    /// Called by routing for each part: keeps <paramref name="frame"/> (returning it, ownership with it) when this part
    /// may be sampled once its verdict is known, otherwise releases it and returns null.
    /// </summary>
    public Frame? Keep(string partId, bool uncertain, bool verdictPending, Frame frame)
    {
        if (_writer is null || !Volatile.Read(ref _policy).MayKeep(partId, uncertain, verdictPending))
        {
            frame.Release();
            return null;
        }

        if (_pool.Available <= _pool.Count / 2)
        {
            // Keeping more would let samples starve capture of buffers. Counted if the part is then selected.
            frame.Release();
            return null;
        }

        return frame;
    }

    /// <summary>The sampling rates of a reloaded station file; the folder and quota need a restart.</summary>
    public void ApplyReload(SampleOptions options) => Volatile.Write(ref _policy, new SamplePolicy(options));

    /// <summary>Samples what is worth it and hands every message on to quality, until routing completes its queue.</summary>
    public async Task RunAsync(ChannelWriter<PartMessage> quality)
    {
        try
        {
            await foreach (var message in _input.Reader.ReadAllAsync(CancellationToken.None))
            {
                var frame = message.TakeFrame();
                try
                {
                    switch (message)
                    {
                        case DecidedPart { AuditPending: false } decided:
                            Sample(decided, frame);
                            break;
                        case AuditedPart audited:
                            Sample(audited, frame);
                            break;
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _skipped);
                    _logger.LogError(e, "Saving a sample failed; the part goes on without one");
                }
                finally
                {
                    frame?.Release();
                }

                await quality.WriteAsync(message);
            }
        }
        finally
        {
            quality.TryComplete();
        }
    }

    public void WriteTo(IDictionary<string, double> values)
    {
        values["pipeline.drops.samples"] = Skipped;
        if (_writer?.Counters is { } c)
        {
            values["samples.enqueued"] = c.Enqueued;
            values["samples.written"] = c.Written;
            values["samples.dropped"] = c.Dropped;
            values["samples.failed"] = c.Failed;
            values["samples.skipped_disk_full"] = c.SkippedForDisk;
            values["samples.deleted_for_quota"] = c.DeletedForQuota;
            values["samples.bytes"] = c.BytesOnDisk;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
    }

    private void Sample(DecidedPart decided, Frame? frame)
    {
        if (_writer is null)
        {
            // No samples are kept: not even the closure below is made, on the path every part takes.
            return;
        }

        var record = decided.Part.Record;
        if (Save(record.PartId, record.Outcome.Agreement, decided.Facts.Output.Uncertain, frame, path => record with { SamplePath = path }) is { } saved)
        {
            decided.Part = decided.Part with { Record = saved };
        }
    }

    private void Sample(AuditedPart audited, Frame? frame)
    {
        if (_writer is null)
        {
            return;
        }

        var audit = audited.Audit;
        if (Save(audit.PartId, audit.Agreement, audited.Facts.Output.Uncertain, frame, path => RecordBuilder.WithAudit(audited.Result, audit with { SamplePath = path })) is { } saved)
        {
            audited.Audit = audit with { SamplePath = saved.SamplePath };
        }
    }

    /// <summary>
    /// The sample's JPEG: the frame's own bytes when the camera delivered a JPEG (a .jpg file, an MJPG frame), so a
    /// saved sample is the original with no second loss; any other source is encoded. Copied either way: the writer
    /// owns its bytes until written, and the frame goes back to the pool now.
    /// </summary>
    private byte[] SampleBytes(Frame frame) => frame.CompressedFormat == CompressedFormat.Jpeg ? frame.Compressed.ToArray() : _encoder.EncodeJpeg(frame);

    /// <summary>Selects once; when selected, encodes and queues the sample. Returns the sidecar record, or null when not saved.</summary>
    private InspectionRecord? Save(string partId, bool? agreement, bool uncertain, Frame? frame, Func<string, InspectionRecord> sidecar)
    {
        if (_writer is null || Volatile.Read(ref _policy).Select(partId, agreement, uncertain) == SampleReasons.None)
        {
            return null;
        }

        if (frame is null)
        {
            Interlocked.Increment(ref _skipped);
            return null;
        }

        var record = sidecar(SampleWriter.RelativePathFor(partId));
        if (_writer.TryEnqueue(partId, SampleBytes(frame), record))
        {
            return record;
        }

        Interlocked.Increment(ref _skipped);
        return null;
    }
}
