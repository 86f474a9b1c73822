using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace EdgeInspect.Core.Models;

/// <summary>Who a model is: what records and events name it by.</summary>
/// <param name="Name">The package's name, e.g. "phone-cover-defects".</param>
/// <param name="Version">The package's version, e.g. "1.0.0".</param>
/// <param name="Sha256">Lower-case hex sha256 of the model file.</param>
public sealed record ModelIdentity(string Name, string Version, string Sha256)
{
    public override string ToString() => $"{Name} {Version} (sha256 {Sha256[..Math.Min(12, Sha256.Length)]})";
}

/// <summary>What the model's output tensor means.</summary>
public enum OutputKind
{
    /// <summary>One probability per class (a softmax computed in the graph); the defect score is 1 − p(ok).</summary>
    ClassProbabilities,

    /// <summary>A single number: the probability that the part has any defect.</summary>
    DefectScore,
}

/// <summary>Which channel order the model was trained on.</summary>
public enum PixelOrder
{
    Rgb,
    Bgr,
}

/// <summary>A rectangle in frame pixels.</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public override string ToString() => $"x={X} y={Y} w={Width} h={Height}";
}

/// <summary>
/// How a frame becomes the model's input tensor: crop <see cref="Roi"/>, resize it (bilinear, as OpenCV's INTER_LINEAR)
/// to the tensor's width and height, order the channels, then <c>(pixel × Scale − Mean[c]) / Std[c]</c>, laid out NCHW.
/// </summary>
public sealed record InputContract(
    string Tensor,
    ImmutableArray<long> Shape,
    string Layout,
    PixelOrder PixelOrder,
    PixelRect Roi,
    string Resize,
    float Scale,
    ImmutableArray<float> Mean,
    ImmutableArray<float> Std)
{
    /// <summary>Channels of the NCHW tensor (Shape[1]).</summary>
    public int Channels => (int)Shape[1];

    public int Height => (int)Shape[2];

    public int Width => (int)Shape[3];

    /// <summary>Elements of one input tensor (batch 1).</summary>
    public int ElementCount => Channels * Height * Width;
}

/// <summary>What the model's output is and how its classes are named.</summary>
/// <param name="Kind">Class probabilities or a single defect score.</param>
/// <param name="Tensor">The output tensor's name in the model.</param>
/// <param name="ClassNames">Class names in output order.</param>
/// <param name="OkClass">The class name that means "no defect".</param>
public sealed record OutputContract(OutputKind Kind, string Tensor, ImmutableArray<string> ClassNames, string OkClass)
{
    /// <summary>Elements of the output tensor for batch 1: one per class, or one score.</summary>
    public int ElementCount => Kind == OutputKind.ClassProbabilities ? ClassNames.Length : 1;

    public int OkIndex => ClassNames.IndexOf(OkClass);
}

/// <summary>How a defect score becomes a decision.</summary>
/// <param name="DefectThreshold">A score at or above it fails the part.</param>
/// <param name="UncertainLow">Scores in [<paramref name="UncertainLow"/>, <paramref name="UncertainHigh"/>] are uncertain
/// (partial mode hands them to a human).</param>
/// <param name="UncertainHigh">The band's upper end.</param>
public sealed record DecisionRules(double DefectThreshold, double UncertainLow, double UncertainHigh);

/// <summary>One frame stored in the package with the output the model must give for it.</summary>
/// <param name="Image">Path of the image, relative to the package folder.</param>
/// <param name="ExpectedClass">The class the model must pick.</param>
/// <param name="ExpectedOutput">The output tensor's values (batch 1).</param>
/// <param name="Tolerance">The largest absolute difference allowed per value.</param>
public sealed record GoldenSample(string Image, string ExpectedClass, ImmutableArray<float> ExpectedOutput, double Tolerance);

/// <summary>A validated model.json. Every field is present and in range; see docs/model-package.md.</summary>
/// <param name="Format">The manifest format version (1).</param>
/// <param name="Identity">Name, version and the model file's sha256.</param>
/// <param name="Model">The model file, relative to the package folder (usually "model.onnx").</param>
/// <param name="Input">How frames become the input tensor.</param>
/// <param name="Output">What the output tensor means.</param>
/// <param name="Decision">Threshold and uncertainty band.</param>
/// <param name="GoldenSamples">The load-time self-test.</param>
/// <param name="Baseline">Drift reference statistics, kept as raw JSON: the monitoring side defines and writes them.</param>
public sealed record ModelManifest(
    int Format,
    ModelIdentity Identity,
    string Model,
    InputContract Input,
    OutputContract Output,
    DecisionRules Decision,
    ImmutableArray<GoldenSample> GoldenSamples,
    JsonObject? Baseline);
