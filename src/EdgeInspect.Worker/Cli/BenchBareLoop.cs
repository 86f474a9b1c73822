using System.Diagnostics;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Worker.Cli;

/// <summary>
/// The bench's bare loop, the limit we know: TurboJPEG decode of a frame's JPEG held in memory, preprocess and ORT
/// <c>Run</c>, serially, on one thread, nothing else. The JPEGs are the source's own (the files of a folder, the
/// packets of an MJPG video), read once before the clock starts; a source without JPEGs is read through its frame
/// source instead (OpenCV's decode), and the figures say which.
/// </summary>
internal static class BenchBareLoop
{
    /// <summary>Distinct frames held in memory; the loop cycles over them.</summary>
    private const int HeldFrames = 200;

    public static BenchRunFigures Run(string modelPackage, string sourceUri, int frames, int threads, int warmup)
    {
        using var model = OnnxModel.Load(modelPackage, new InferenceOptions { IntraOpThreads = threads });
        var options = new CaptureOptions { CameraId = "bench", Source = sourceUri, EndOfStream = EndOfStreamAction.Stop };
        var sources = new OpenCvFrameSourceFactory();
        var jpegs = ReadJpegs(sources, options);
        var frame = Frame.CreateUnpooled(640, 480);
        var decode = new Telemetry.LatencyTracker();
        var preprocess = new Telemetry.LatencyTracker();
        var inference = new Telemetry.LatencyTracker();
        var steady = default(BenchSteady);
        IFrameSource? source = jpegs.Count == 0 ? sources.Open(new CaptureOptions { CameraId = "bench", Source = sourceUri, EndOfStream = EndOfStreamAction.Loop }) : null;
        try
        {
            for (int done = 0, next = 0; done < frames;)
            {
                if (done == warmup)
                {
                    steady = BenchSteady.Start();
                    decode.Snapshot(reset: true);
                    preprocess.Snapshot(reset: true);
                    inference.Snapshot(reset: true);
                }

                var started = Stopwatch.GetTimestamp();
                bool ok;
                if (source is null)
                {
                    ok = TurboJpeg.Decode(jpegs[next], frame) == CvStatus.Ok;
                    next = (next + 1) % jpegs.Count;
                }
                else
                {
                    ok = source.Read(frame) == FrameReadResult.Frame;
                }

                decode.Record(Stopwatch.GetElapsedTime(started));
                if (!ok)
                {
                    continue;
                }

                var prediction = model.Predict(frame);
                preprocess.Record(prediction.PreprocessTime);
                inference.Record(prediction.InferenceTime);
                done++;
            }
        }
        finally
        {
            source?.Dispose();
        }

        var window = steady.Stop();
        var steadyFrames = frames - warmup;
        return new BenchRunFigures(source is null ? "bare (TurboJPEG from memory)" : "bare (frame source)", threads, 0, frames, window, steadyFrames,
            new Dictionary<string, Telemetry.LatencySummary>
            {
                ["decode"] = decode.Snapshot(false),
                ["preprocess"] = preprocess.Snapshot(false),
                ["inference"] = inference.Snapshot(false),
            },
            null, null, null);
    }

    /// <summary>The source's JPEGs, as its frames keep them (<see cref="Frame.Compressed"/>); empty when it has none.</summary>
    private static List<byte[]> ReadJpegs(OpenCvFrameSourceFactory sources, CaptureOptions options)
    {
        var jpegs = new List<byte[]>(HeldFrames);
        var frame = Frame.CreateUnpooled(640, 480);
        using var source = sources.Open(options);
        while (jpegs.Count < HeldFrames)
        {
            var result = source.Read(frame);
            if (result == FrameReadResult.EndOfStream)
            {
                break;
            }

            if (result != FrameReadResult.Frame)
            {
                continue;
            }

            if (frame.CompressedFormat != CompressedFormat.Jpeg)
            {
                return [];
            }

            jpegs.Add(frame.Compressed.ToArray());
        }

        return jpegs;
    }
}
