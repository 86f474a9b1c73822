using EdgeInspect.Core.Frames;

namespace EdgeInspect.Core.Models;

/// <summary>
/// A model package loaded, checked and self-tested, ready for frames. Implemented over ONNX Runtime in
/// EdgeInspect.Native; fakes implement it in tests.
/// </summary>
/// <remarks>Thread-safety: one <see cref="Predict"/> at a time per instance (it reuses its tensors). Two models
/// (active and candidate) may run on two threads at once.</remarks>
public interface IInferenceModel : IDisposable
{
    ModelIdentity Identity { get; }

    ModelManifest Manifest { get; }

    /// <summary>Runs the model on one frame. Allocates nothing in steady state.</summary>
    Prediction Predict(Frame frame);
}
