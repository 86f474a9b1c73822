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
