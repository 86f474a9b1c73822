using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Worker.Pipeline.Control;
using EdgeInspect.Worker.Pipeline.Sampling;

namespace EdgeInspect.Worker.Hosting;

/// <summary>Loads packages with ONNX Runtime: sha256, contract, golden self-test (<see cref="OnnxModel.Load(string, InferenceOptions?)"/>).</summary>
/// <remarks>A candidate is checked in a child process first (<see cref="ModelCheckProcess"/>): ORT can crash the process that loads a malformed model.</remarks>
public sealed class OnnxModelLoader(InferenceOptions inference, ModelCheckProcess? candidateCheck = null) : IModelLoader
{
    private readonly ModelCheckProcess _check = candidateCheck ?? new ModelCheckProcess();

    public IInferenceModel Load(string packageFolder) => OnnxModel.Load(packageFolder, inference);

    public IInferenceModel LoadCandidate(string packageFolder)
    {
        // Manifest, paths and sha256 first, in this process (no runtime parses anything there): a package refused on
        // those is refused at once, with the same reasons, without the child's second of start-up.
        _ = ModelPackage.Open(packageFolder);
        _check.EnsurePasses(packageFolder);
        return Load(packageFolder);
    }
}

/// <summary>Encodes samples with OpenCV's JPEG codec.</summary>
public sealed class JpegFrameEncoder(int quality) : IFrameEncoder
{
    public byte[] EncodeJpeg(Frame frame) => CvJpeg.Encode(frame, quality);
}
