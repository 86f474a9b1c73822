using EdgeInspect.Core.Frames;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.OpenCv;

/// <summary>Small videos the tests write themselves from the station's holdout frames (640×480), in a temp folder.</summary>
public sealed class TestVideos : IDisposable
{
    public const int FrameCount = 24;

    private readonly TempDirectory _folder = new("edgeinspect-capture");

    public TestVideos()
    {
        OpenCvInfo.SetLogLevel(2);
        Frames = Enumerable.Range(0, FrameCount).Select(i => CvImage.Read(HoldoutFrame(i))).ToArray();
        Ffv1 = Write("holdout.mkv", "FFV1", Frames);
        Mjpg = Write("holdout.avi", "MJPG", Frames);
    }

    /// <summary>The frames written, in order.</summary>
    public IReadOnlyList<Frame> Frames { get; }

    /// <summary>Lossless FFV1 in .mkv, 25 fps.</summary>
    public string Ffv1 { get; }

    /// <summary>MJPG in .avi, 25 fps.</summary>
    public string Mjpg { get; }

    public string Folder => _folder.Path;

    public static string HoldoutFrame(int index) => Path.Combine(RepoPaths.PhoneSet("holdout"), "frames", $"{index:00000}.jpg");

    /// <summary>Writes <paramref name="frames"/> into a new file in the temp folder.</summary>
    public string Write(string name, string fourcc, IEnumerable<Frame> frames)
    {
        var path = _folder.File(name);
        CvVideoWriter? writer = null;
        try
        {
            foreach (var frame in frames)
            {
                writer ??= CvVideoWriter.Open(path, fourcc, 25, frame.Width, frame.Height);
                writer.Write(frame);
            }
        }
        finally
        {
            writer?.Dispose();
        }

        return path;
    }

    public void Dispose() => _folder.Dispose();
}
