using BenchmarkDotNet.Attributes;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Benchmarks.Capture;

/// <summary>
/// Decode speed of 640×480 video through the shim, against the same open-and-read loop written in C++ inside the shim
/// (the limit: no P/Invoke, no managed code). Each invocation opens the file and reads all of its frames; results are
/// per frame (OperationsPerInvoke), so frames per second = 1 s / Mean. MJPG is read as OpenCvFrameSource reads it:
/// packets decoded by TurboJPEG; "C++ loop, FFmpeg decode" is the path before that, for comparison.
/// </summary>
[Config(typeof(BenchConfig))]
public class CaptureDecodeBenchmarks
{
    private const int Frames = 60;

    private TempDirectory? _folder;
    private string _path = "";
    private Frame _frame = null!;
    private FramePool _pool = null!;
    private CaptureOptions _options = null!;
    private readonly OpenCvFrameSourceFactory _factory = new();

    [Params("MJPG", "FFV1")]
    public string Codec { get; set; } = "MJPG";

    [GlobalSetup]
    public void WriteVideo()
    {
        OpenCvInfo.SetLogLevel(2);
        _folder = new TempDirectory("edgeinspect-bench");
        _path = _folder.File(Codec == "FFV1" ? "bench.mkv" : "bench.avi");
        using (var writer = CvVideoWriter.Open(_path, Codec, 25, 640, 480))
        {
            for (var i = 0; i < Frames; i++)
            {
                writer.Write(CvImage.Read(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames", $"{i:00000}.jpg")));
            }
        }

        _frame = Frame.CreateUnpooled(640, 480);
        _pool = new FramePool(4, 640 * 480 * 3);
        _options = new CaptureOptions { Source = $"file:{_path}", EndOfStream = EndOfStreamAction.Stop, FrozenFrameCount = Frames + 1 };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _folder?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "C++ loop in the shim (limit)")]
    public int CppLoop()
    {
        CvCheck.Ok(CvNative.eicv_bench_read_file(_path, 0, 1, out var frames, out _), "eicv_bench_read_file");
        return Expect(frames);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "C++ loop, FFmpeg decode (before TurboJPEG)")]
    public int CppLoopFfmpegDecode()
    {
        CvCheck.Ok(CvNative.eicv_bench_read_file(_path, 0, 0, out var frames, out _), "eicv_bench_read_file");
        return Expect(frames);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "CvVideoCapture.Read through the shim")]
    public int ShimRead()
    {
        using var capture = CvVideoCapture.Open(_path, CvCaptureApi.Ffmpeg);
        capture.PassCompressed();
        var frames = 0;
        while (capture.Read(_frame) == CvStatus.Ok)
        {
            frames++;
        }

        return Expect(frames);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "CaptureLoop (stamps, hash, flags) over the shim")]
    public long CaptureLoop()
    {
        using var loop = new Core.Capture.CaptureLoop(_options, _factory, _pool, TimeProvider.System, static frame => frame.Release());
        loop.Run(CancellationToken.None);
        return Expect((int)loop.Counters.FramesDelivered);
    }

    private static int Expect(int frames) =>
        frames == Frames ? frames : throw new InvalidOperationException($"read {frames} frames, expected {Frames}");
}
