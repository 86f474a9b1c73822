using EdgeInspect.Core.Capture;
using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Tests.Capture;

public sealed class CaptureSourceTests
{
    [Theory]
    [InlineData("v4l2:0", CaptureSourceKind.Device, "0", 0)]
    [InlineData("2", CaptureSourceKind.Device, "2", 2)]
    [InlineData("/dev/video1", CaptureSourceKind.Device, "/dev/video1", null)]
    [InlineData("v4l2:/dev/v4l/by-id/usb-cam-video-index0", CaptureSourceKind.Device, "/dev/v4l/by-id/usb-cam-video-index0", null)]
    [InlineData("rtsp://10.0.0.7:554/stream1", CaptureSourceKind.Stream, "rtsp://10.0.0.7:554/stream1", null)]
    [InlineData("http://cam.local/mjpg/video.mjpg", CaptureSourceKind.Stream, "http://cam.local/mjpg/video.mjpg", null)]
    [InlineData("gst:aravissrc ! videoconvert ! appsink", CaptureSourceKind.GStreamer, "aravissrc ! videoconvert ! appsink", null)]
    [InlineData("file:videos/line3.mkv", CaptureSourceKind.File, "videos/line3.mkv", null)]
    [InlineData("file:///srv/replay/line3.avi", CaptureSourceKind.File, "/srv/replay/line3.avi", null)]
    [InlineData("replay/line3.MP4", CaptureSourceKind.File, "replay/line3.MP4", null)]
    [InlineData("folder:data/frames", CaptureSourceKind.Folder, "data/frames", null)]
    public void Accepted_Forms_Parse_To_Their_Kind_And_Location(string text, CaptureSourceKind kind, string location, int? index)
    {
        var source = CaptureSource.Parse(text);

        Assert.Equal((kind, location, index), (source.Kind, source.Location, source.DeviceIndex));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("v4l2:front", "neither an index nor a /dev/ path")]
    [InlineData("rtsp://", "needs a host")]
    [InlineData("gst:", "empty GStreamer pipeline")]
    [InlineData("gst:videotestsrc ! autovideosink", "without an appsink")]
    [InlineData("ftp://cam/x", "unknown scheme 'ftp:'")]
    [InlineData("data/frames", "prefix a folder of images with 'folder:'")]
    [InlineData("folder:", "empty folder path")]
    public void Malformed_Forms_Are_Refused_With_The_Reason(string text, string reason)
    {
        Assert.False(CaptureSource.TryParse(text, out _, out var problem));
        Assert.Contains(reason, problem);
        var e = Assert.Throws<FormatException>(() => CaptureSource.Parse(text));
        Assert.Contains(CaptureSource.ExpectedForms, e.Message);
    }

    [Fact]
    public void Files_And_Folders_Are_Finite_Cameras_And_Streams_Are_Not()
    {
        Assert.True(CaptureSource.Parse("file:a.mkv").IsFinite);
        Assert.True(CaptureSource.Parse("folder:f").IsFinite);
        Assert.False(CaptureSource.Parse("v4l2:0").IsFinite);
        Assert.False(CaptureSource.Parse("rtsp://cam/s").IsFinite);
    }

    [Fact]
    public void Default_Options_With_A_Source_Are_Valid()
    {
        var errors = new List<ConfigError>();

        new CaptureOptions { Source = "v4l2:0" }.Validate("capture", errors);

        Assert.Empty(errors);
    }

    [Fact]
    public void Every_Invalid_Capture_Field_Is_Reported_At_Once_With_Its_Path()
    {
        var options = new CaptureOptions
        {
            CameraId = "",
            Source = "bogus:thing",
            Width = 640,
            Fps = -1,
            TargetFps = double.NaN,
            ReconnectInitialDelay = TimeSpan.FromSeconds(2),
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
            CameraDownAfter = TimeSpan.Zero,
            FrozenFrameCount = 1,
            DarkLevel = 300,
            BlackFraction = 0,
        };
        var errors = new List<ConfigError>();

        options.Validate("capture", errors);

        Assert.Equal(
            new[] { "capture:CameraId", "capture:Source", "capture:Height", "capture:Fps", "capture:TargetFps", "capture:CameraDownAfter", "capture:ReconnectMaxDelay", "capture:FrozenFrameCount", "capture:DarkLevel", "capture:BlackFraction" },
            errors.Select(e => e.Path));
        Assert.Contains("unknown scheme", errors[1].Problem);
    }
}
