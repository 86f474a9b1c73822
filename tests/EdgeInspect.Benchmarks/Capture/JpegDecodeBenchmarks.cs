using BenchmarkDotNet.Attributes;
using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Benchmarks.Capture;

/// <summary>
/// JPEG decode per frame, on the 150 holdout frames (640×480, about 38 KB each) held in memory: OpenCV's
/// cv::imdecode (the path before TurboJPEG) against TurboJPEG into a pooled frame, plus the image-folder source,
/// which also reads each file (from the page cache) into the frame's compressed buffer. Results are per frame
/// (OperationsPerInvoke); the memory diagnoser shows managed bytes per frame.
/// </summary>
[Config(typeof(BenchConfig))]
public class JpegDecodeBenchmarks
{
    private const int Frames = 150;

    private byte[][] _jpegs = [];
    private string _folder = "";
    private FramePool _pool = null!;

    [GlobalSetup]
    public void LoadFrames()
    {
        _folder = Path.Combine(RepoPaths.PhoneSet("holdout"), "frames");
        _jpegs = Directory.GetFiles(_folder, "*.jpg").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        if (_jpegs.Length != Frames)
        {
            throw new InvalidOperationException($"expected {Frames} holdout frames, found {_jpegs.Length}");
        }

        _pool = new FramePool(2, 640 * 480 * 3);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "cv::imdecode into a pooled frame (before)")]
    public long CvImdecode()
    {
        long sum = 0;
        foreach (var jpeg in _jpegs)
        {
            _pool.TryRent(out var frame);
            CvImage.Decode(jpeg, frame);
            sum += frame.Buffer[frame.Width * 3 * (frame.Height / 2)];
            frame.Release();
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "TurboJPEG into a pooled frame")]
    public long TurboJpegDecode()
    {
        long sum = 0;
        foreach (var jpeg in _jpegs)
        {
            _pool.TryRent(out var frame);
            if (TurboJpeg.Decode(jpeg, frame) != CvStatus.Ok)
            {
                throw new InvalidOperationException($"TurboJPEG failed: {CvCheck.LastError()}");
            }

            sum += frame.Buffer[frame.Width * 3 * (frame.Height / 2)];
            frame.Release();
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "ImageFolderFrameSource.Read (file + TurboJPEG, bytes kept)")]
    public long FolderSource()
    {
        using var source = ImageFolderFrameSource.Open(_folder);
        long sum = 0;
        for (var i = 0; i < Frames; i++)
        {
            _pool.TryRent(out var frame);
            if (source.Read(frame) != FrameReadResult.Frame || frame.CompressedFormat != CompressedFormat.Jpeg)
            {
                throw new InvalidOperationException($"frame {i} did not come through TurboJPEG: {CvCheck.LastError()}");
            }

            sum += frame.Buffer[frame.Width * 3 * (frame.Height / 2)];
            frame.Release();
        }

        return sum;
    }
}
