using System.Collections.Concurrent;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Records;
using EdgeInspect.Worker.Pipeline.Inference;
using EdgeInspect.Worker.Pipeline.Sampling;

namespace EdgeInspect.Worker.Replay;

/// <summary>Turns a disagreeing frame's bytes into a small JPEG for the report. Called only for disagreeing frames.</summary>
public interface IThumbnailMaker
{
    /// <returns>JPEG bytes, or null when no thumbnail can be made from these bytes.</returns>
    byte[]? MakeJpeg(ReadOnlySpan<byte> frame);
}

/// <summary>
/// Uses a frame that is already a JPEG as its own thumbnail (the browser scales it down). Frame folders of
/// 640x480 JPEGs weigh 30-60 KB each, so a few hundred disagreements keep the report a few MB; anything larger
/// or not a JPEG gets no thumbnail rather than bloating the file. A resizing maker (OpenCV) can replace it.
/// </summary>
public sealed class JpegPassThroughThumbnails(int maxBytes = 256 * 1024) : IThumbnailMaker
{
    public byte[]? MakeJpeg(ReadOnlySpan<byte> frame) =>
        frame.Length is > 3 && frame.Length <= maxBytes && frame[0] == 0xFF && frame[1] == 0xD8 && frame[2] == 0xFF
            ? frame.ToArray()
            : null;
}

public static class ThumbnailDataUri
{
    public static string FromJpeg(ReadOnlySpan<byte> jpeg) => "data:image/jpeg;base64," + Convert.ToBase64String(jpeg);
}

/// <summary>
/// Replay's decorator at inference: keeps a JPEG of each frame whose predicted class differs from its label, for the
/// report's disagreement thumbnails. Only replay adds it; the station pipeline never makes thumbnails.
/// </summary>
public sealed class MislabelledThumbnails(IFrameEncoder encoder) : IInspectionObserver
{
    private readonly ConcurrentDictionary<string, byte[]> _byPart = new(StringComparer.Ordinal);
    private GroundTruth? _truth;
    private IReadOnlyList<string> _classNames = [];

    /// <summary>The labels and the model's class names; before the run starts.</summary>
    public void Start(GroundTruth? truth, IReadOnlyList<string> classNames)
    {
        _truth = truth;
        _classNames = classNames;
    }

    public void OnInspected(Frame frame, PartFacts part)
    {
        if (_truth is { } truth && PredictedIndex(part.Output, _classNames) is var predicted && predicted >= 0
            && truth.ForSeq(frame.Seq).ClassName != _classNames[predicted])
        {
            _byPart[part.PartId] = encoder.EncodeJpeg(frame);
        }
    }

    /// <summary>The thumbnail of a part, if one was made; removed as it is taken.</summary>
    public byte[]? Take(string partId) => _byPart.TryRemove(partId, out var jpeg) ? jpeg : null;

    /// <summary>The predicted class's index: by name for a class model, by verdict (ok, first defect class) for a score model.</summary>
    public static int PredictedIndex(ModelOutputRecord? output, IReadOnlyList<string> classNames)
    {
        if (output?.Class is { } name)
        {
            for (var i = 0; i < classNames.Count; i++)
            {
                if (classNames[i] == name)
                {
                    return i;
                }
            }

            return -1;
        }

        return output?.Verdict == Verdict.Fail ? 1 : 0;
    }
}
