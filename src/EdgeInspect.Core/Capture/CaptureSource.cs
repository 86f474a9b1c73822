using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EdgeInspect.Core.Capture;

/// <summary>Where frames come from.</summary>
public enum CaptureSourceKind
{
    /// <summary>A V4L2 camera, by index or by /dev/videoN path.</summary>
    Device,

    /// <summary>A network stream (RTSP or HTTP), read through FFmpeg.</summary>
    Stream,

    /// <summary>A GStreamer pipeline ending in appsink; the route for GigE Vision cameras through aravis.</summary>
    GStreamer,

    /// <summary>A video file.</summary>
    File,

    /// <summary>A folder of images, read in ordinal name order (replay).</summary>
    Folder,
}

/// <summary>
/// A parsed capture source setting. The setting is one URI-like string:
/// <c>v4l2:0</c>, <c>v4l2:/dev/video0</c>, <c>/dev/video0</c>, <c>rtsp://…</c>, <c>http(s)://…</c>,
/// <c>gst:&lt;pipeline ending in appsink&gt;</c>, <c>file:path/video.mkv</c> (or a plain path with a video extension),
/// <c>folder:path/to/frames</c>.
/// </summary>
/// <param name="Kind">What kind of source.</param>
/// <param name="Location">The path, URL or pipeline; for a device opened by index, its index as text.</param>
/// <param name="DeviceIndex">The V4L2 index when the device was given by number.</param>
public sealed record CaptureSource(CaptureSourceKind Kind, string Location, int? DeviceIndex = null)
{
    /// <summary>The accepted forms, for error messages.</summary>
    public const string ExpectedForms =
        "v4l2:<index>, v4l2:/dev/videoN or /dev/videoN; rtsp://host/path or http(s)://host/path; gst:<pipeline ending in appsink>; "
        + "file:<path> or a path ending in a video extension (.mkv, .avi, .mp4, …); folder:<path>";

    private static readonly string[] VideoExtensions = [".mkv", ".avi", ".mp4", ".mov", ".webm", ".mjpeg", ".mjpg", ".m4v", ".ts", ".mpg", ".mpeg", ".wmv", ".flv"];

    /// <summary>True for sources that end (files, folders); the others only stop when something fails.</summary>
    public bool IsFinite => Kind is CaptureSourceKind.File or CaptureSourceKind.Folder;

    /// <summary>Parses a source setting.</summary>
    /// <exception cref="FormatException">The setting is malformed; the message says what is wrong and the accepted forms.</exception>
    public static CaptureSource Parse(string? text) =>
        TryParse(text, out var source, out var problem) ? source : throw new FormatException($"Capture source '{text}' {problem}. Expected {ExpectedForms}.");

    /// <summary>Parses a source setting without throwing; <paramref name="problem"/> says what is wrong.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out CaptureSource? source, [NotNullWhen(false)] out string? problem)
    {
        source = null;
        problem = null;
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            problem = "is empty";
            return false;
        }

        if (TryStrip(value, "v4l2:", out var device))
        {
            return TryDevice(device, out source, out problem);
        }

        if (value.StartsWith("/dev/video", StringComparison.Ordinal) || IsAllDigits(value))
        {
            return TryDevice(value, out source, out problem);
        }

        if (value.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            {
                problem = "is not a valid stream URL (it needs a host)";
                return false;
            }

            source = new CaptureSource(CaptureSourceKind.Stream, value);
            return true;
        }

        if (TryStrip(value, "gst:", out var pipeline))
        {
            if (pipeline.Length == 0)
            {
                problem = "has an empty GStreamer pipeline";
                return false;
            }

            // OpenCV pulls frames from an appsink; without one the open fails with an obscure backend message.
            if (!pipeline.Contains("appsink", StringComparison.Ordinal))
            {
                problem = "is a GStreamer pipeline without an appsink (OpenCV reads frames from a final 'appsink')";
                return false;
            }

            source = new CaptureSource(CaptureSourceKind.GStreamer, pipeline);
            return true;
        }

        if (TryStrip(value, "folder:", out var folder))
        {
            return TryPath(CaptureSourceKind.Folder, folder, out source, out problem);
        }

        if (TryStrip(value, "file:", out var file))
        {
            if (file.StartsWith("//", StringComparison.Ordinal))
            {
                if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !uri.IsFile)
                {
                    problem = "is not a valid file URI";
                    return false;
                }

                file = uri.LocalPath;
            }

            return TryPath(CaptureSourceKind.File, file, out source, out problem);
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var slash = value.IndexOfAny(['/', '\\']);
        if (colon > 0 && (slash < 0 || colon < slash))
        {
            problem = $"has an unknown scheme '{value[..colon]}:'";
            return false;
        }

        if (VideoExtensions.Contains(Path.GetExtension(value), StringComparer.OrdinalIgnoreCase))
        {
            return TryPath(CaptureSourceKind.File, value, out source, out problem);
        }

        problem = "is neither a known scheme nor a path with a video extension (prefix a folder of images with 'folder:')";
        return false;
    }

    public override string ToString() => Kind switch
    {
        CaptureSourceKind.Device => $"v4l2:{Location}",
        CaptureSourceKind.GStreamer => $"gst:{Location}",
        CaptureSourceKind.Folder => $"folder:{Location}",
        CaptureSourceKind.File => $"file:{Location}",
        _ => Location,
    };

    private static bool TryDevice(string device, out CaptureSource? source, out string? problem)
    {
        source = null;
        problem = null;
        if (IsAllDigits(device) && int.TryParse(device, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            source = new CaptureSource(CaptureSourceKind.Device, device, index);
            return true;
        }

        if (device.StartsWith("/dev/", StringComparison.Ordinal) && device.Length > "/dev/".Length && !device.Any(char.IsWhiteSpace))
        {
            source = new CaptureSource(CaptureSourceKind.Device, device);
            return true;
        }

        problem = $"names device '{device}', which is neither an index nor a /dev/ path";
        return false;
    }

    private static bool TryPath(CaptureSourceKind kind, string path, out CaptureSource? source, out string? problem)
    {
        source = null;
        problem = null;
        if (path.Trim().Length == 0)
        {
            problem = $"has an empty {kind.ToString().ToLowerInvariant()} path";
            return false;
        }

        if (path.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            problem = "has characters not allowed in a path";
            return false;
        }

        source = new CaptureSource(kind, path);
        return true;
    }

    private static bool TryStrip(string value, string prefix, out string rest)
    {
        if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            rest = value[prefix.Length..].Trim();
            return true;
        }

        rest = "";
        return false;
    }

    private static bool IsAllDigits(string value) => value.Length is > 0 and < 10 && value.All(char.IsAsciiDigit);
}
