using System.Threading.Channels;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Models;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline.Camera;
using EdgeInspect.Worker.Pipeline.Metrics;
using EdgeInspect.Worker.Pipeline.Routing;
using EdgeInspect.Worker.Telemetry;

namespace EdgeInspect.Worker.Pipeline.Inference;

/// <summary>
/// Inference: each frame once, through the active model and, when one is loaded, the candidate in shadow; its input
/// metrics; a part id. Hands an <see cref="InspectedPart"/> to routing.
/// </summary>
/// <remarks>
/// <para>Owns: the part sequence, and its own counters. It reads the model slots (a promote or rollback swaps them
/// atomically between two frames, so no part is lost or repeated) and never decides anything.</para>
/// <para>Threading: one dedicated thread, because inference is the station's heaviest work and must not queue behind
/// the thread pool. A frame that breaks the model is counted (<c>pipeline.parts.inference_failed</c>), logged and
/// skipped; the station goes on. When routing's queue is full the thread waits (holding no lock), and the frame queue
/// behind it applies the camera's overload policy.</para>
/// </remarks>
public sealed class InferenceStage : IMetricsSource
{
    private readonly ModelSlots<IInferenceModel> _models;
    private readonly RecordContext _station;
    private readonly PipelineMetrics _instruments;
    private readonly IInspectionObserver[] _observers;
    private readonly ILogger _logger;
    private readonly RecordSequence _partSeq;
    private long _inspected, _failed, _modelFail, _uncertain, _preprocessTicks, _inferenceTicks;

    public InferenceStage(ModelSlots<IInferenceModel> models, RecordContext station, PipelineMetrics instruments, IEnumerable<IInspectionObserver> observers,
        ILogger<InferenceStage> logger)
    {
        _models = models;
        _station = station;
        _instruments = instruments;
        _observers = [.. observers];
        _logger = logger;
        _partSeq = new RecordSequence(station.BootEpochMs);
    }

    public long Inspected => Interlocked.Read(ref _inspected);

    public long Failures => Interlocked.Read(ref _failed);

    /// <summary>Inspects every frame until the queue is completed and drained, then tells routing no more parts come.</summary>
    public Task RunAsync(FrameQueue frames, ChannelWriter<RoutingInput> routing)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(frames, routing);
            }
            finally
            {
                done.TrySetResult();
            }
        }) { IsBackground = true, Name = "edgeinspect-inference" };
        thread.Start();
        return done.Task;
    }

    public void WriteTo(IDictionary<string, double> values)
    {
        var inspected = Inspected;
        values["pipeline.parts.inspected"] = inspected;
        values["pipeline.parts.inference_failed"] = Failures;
        values["model.defect_rate"] = inspected == 0 ? 0 : (double)Interlocked.Read(ref _modelFail) / inspected;
        values["model.uncertain_fraction"] = inspected == 0 ? 0 : (double)Interlocked.Read(ref _uncertain) / inspected;
        values["pipeline.stage.preprocess.mean_ms"] = inspected == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _preprocessTicks) / inspected).TotalMilliseconds;
        values["pipeline.stage.inference.mean_ms"] = inspected == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _inferenceTicks) / inspected).TotalMilliseconds;
    }

    private void Run(FrameQueue frames, ChannelWriter<RoutingInput> routing)
    {
        try
        {
            while (!frames.IsDrained)
            {
                if (!frames.TryTake(TimeSpan.FromMilliseconds(100), CancellationToken.None, out var frame))
                {
                    continue;
                }

                try
                {
                    if (Inspect(frame) is { } part)
                    {
                        Write(routing, RoutingInput.Of(part));
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A frame that breaks the model must not stop the station: count it, log it, go on.
                    Interlocked.Increment(ref _failed);
                    _instruments.RecordInferenceFailure(InferenceFailure.Failed);
                    _logger.LogError(e, "Inspection of frame {Seq} failed", frame.Seq);
                }
                finally
                {
                    frame.Release();
                }
            }
        }
        finally
        {
            Write(routing, RoutingInput.InferenceDone);
        }
    }

    private InspectedPart? Inspect(Frame frame)
    {
        using var active = _models.AcquireActive();
        var model = active.Model ?? throw new InvalidOperationException("no active model is loaded");
        var roi = RecordBuilder.RoiOf(model.Manifest.Input.Roi);
        var metrics = roi.FitsIn(frame.Width, frame.Height) ? InputMetricsCalculator.Compute(frame, roi) : default;
        var prediction = model.Predict(frame);
        var output = RecordBuilder.OutputOf(model.Manifest, prediction);

        CandidateRecord? candidate = null;
        using (var shadow = _models.AcquireCandidate())
        {
            if (shadow.Model is { } candidateModel)
            {
                var candidatePrediction = candidateModel.Predict(frame);
                candidate = new CandidateRecord(RecordBuilder.ModelRefOf(candidateModel.Identity), RecordBuilder.OutputOf(candidateModel.Manifest, candidatePrediction),
                    candidatePrediction.Decision == prediction.Decision);
            }
        }

        var isDefect = prediction.Decision == Verdict.Fail;
        _instruments.RecordFrame(frame.CameraId);
        _instruments.RecordInput(frame.CameraId, metrics);
        _instruments.RecordStage("preprocess", prediction.PreprocessTime);
        _instruments.RecordStage("inference", prediction.InferenceTime);
        _instruments.RecordPrediction(output.Probabilities is null ? null : prediction.ClassIndex, prediction.DefectScore, isDefect, prediction.Uncertain);
        Count(prediction.PreprocessTime, prediction.InferenceTime, isDefect, prediction.Uncertain);

        // The seq is taken only once the part exists, so results number parts without gaps.
        var partSeq = _partSeq.Next();
        var facts = new PartFacts(
            partSeq,
            PartIds.Format(_station.Station.Station, _station.BootEpochMs, partSeq),
            new FrameRecord(frame.Seq, frame.Trigger, frame.TriggerId, frame.UtcTimestamp, default, 0),
            frame.MonotonicTimestamp,
            CameraRecord.From(frame.CameraId, frame.Settings),
            RecordBuilder.ModelRefOf(model.Identity),
            output,
            candidate,
            RecordBuilder.InputOf(metrics));

        foreach (var observer in _observers)
        {
            try
            {
                observer.OnInspected(frame, facts);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogWarning(e, "Inspection observer {Observer} failed on part {PartId}", observer.GetType().Name, facts.PartId);
            }
        }

        return new InspectedPart(facts, metrics, prediction.DefectScore, prediction.PreprocessTime, prediction.InferenceTime, frame.AddRef())
        {
            Flags = frame.Flags,
            ClassIndex = prediction.ClassIndex >= 0 ? prediction.ClassIndex : null,
        };
    }

    private void Count(TimeSpan preprocess, TimeSpan inference, bool modelFail, bool uncertain)
    {
        Interlocked.Increment(ref _inspected);
        Interlocked.Add(ref _preprocessTicks, preprocess.Ticks);
        Interlocked.Add(ref _inferenceTicks, inference.Ticks);
        if (modelFail)
        {
            Interlocked.Increment(ref _modelFail);
        }

        if (uncertain)
        {
            Interlocked.Increment(ref _uncertain);
        }
    }

    /// <summary>Waits for room in routing's queue on this dedicated thread; no lock is held while it waits.</summary>
    private static void Write(ChannelWriter<RoutingInput> routing, RoutingInput item)
    {
        while (!routing.TryWrite(item))
        {
            if (!routing.WaitToWriteAsync().AsTask().GetAwaiter().GetResult())
            {
                item.Part?.TakeFrame()?.Release();
                return;
            }
        }
    }
}
