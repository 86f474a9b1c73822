using EdgeInspect.Core.Capture;

namespace EdgeInspect.Native.OpenCv;

/// <summary>Opens the OpenCV-backed source that <see cref="CaptureOptions.Source"/> names; the capture loop's factory.</summary>
public sealed class OpenCvFrameSourceFactory : IFrameSourceFactory
{
    /// <exception cref="CaptureSourceException">The setting is malformed, or the source cannot be opened.</exception>
    public IFrameSource Open(CaptureOptions options)
    {
        if (!CaptureSource.TryParse(options.Source, out var source, out var problem))
        {
            throw new CaptureSourceException($"capture source '{options.Source}' {problem}. Expected {CaptureSource.ExpectedForms}.");
        }

        return source.Kind == CaptureSourceKind.Folder
            ? ImageFolderFrameSource.Open(source.Location)
            : OpenCvFrameSource.Open(source, options);
    }
}
