using System.Diagnostics;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.OpenCv;

namespace EdgeInspect.Native.Onnx;

/// <summary>
/// A model package loaded into ONNX Runtime: checked (sha256, manifest, session contract), self-tested on its golden
/// samples, with its input and output tensors created once over pinned buffers.
/// </summary>
/// <remarks>
/// Thread-safety: one <see cref="Predict"/> at a time per instance (the tensors are reused). Disposal must not race a
/// Predict; <see cref="ModelSlots{T}"/> leases guarantee that for the pipeline.
/// </remarks>
public sealed class OnnxModel : IInferenceModel
{
    private readonly OrtSession _session;
    private readonly OrtTensor _input;
    private readonly OrtTensor _output;
    private readonly OrtBoundRun _run;
    private readonly FramePreprocessor _preprocessor;
    private readonly ReadOnlyMemory<float> _outputs;
    private bool _disposed;

    private OnnxModel(ModelManifest manifest, OrtSession session)
    {
        Manifest = manifest;
        _session = session;
        _preprocessor = new FramePreprocessor(manifest.Input);
        _input = OrtTensor.Create(manifest.Input.Shape);
        OrtTensor? output = null;
        try
        {
            output = OrtTensor.Create([1, manifest.Output.ElementCount]);
            _run = new OrtBoundRun(session, [(manifest.Input.Tensor, _input)], [(manifest.Output.Tensor, output)]);
        }
        catch
        {
            output?.Dispose();
            _input.Dispose();
            throw;
        }

        _output = output;
        _outputs = _output.Data;
    }

    public ModelIdentity Identity => Manifest.Identity;

    public ModelManifest Manifest { get; }

    /// <summary>The model's inputs and outputs as ONNX Runtime reports them.</summary>
    public IReadOnlyList<TensorSpec> SessionInputs => _session.Inputs;

    public IReadOnlyList<TensorSpec> SessionOutputs => _session.Outputs;

    /// <summary>
    /// Loads a package: 1. sha256 of the model file before anything parses it; 2. the manifest against the session
    /// (names, shapes, element types); 3. the golden self-test. Nothing is left loaded if any step fails.
    /// </summary>
    /// <exception cref="ModelPackageException">The package is refused; every error names the field, the actual and the expected value.</exception>
    /// <exception cref="NativeLibraryMissingException">ONNX Runtime or the OpenCV shim cannot be loaded.</exception>
    public static OnnxModel Load(string packageDirectory, InferenceOptions? options = null)
    {
        options ??= new InferenceOptions();
        var optionErrors = new List<ConfigError>();
        options.Validate("inference", optionErrors);
        if (optionErrors.Count > 0)
        {
            throw new ModelPackageException(packageDirectory, optionErrors);
        }

        var package = ModelPackage.Open(packageDirectory);
        var manifest = package.Manifest;

        OrtSession session;
        try
        {
            var threads = options.ResolvedIntraOpThreads(Environment.ProcessorCount);
            session = OrtSession.Create(package.ModelBytes, new OrtSessionSettings(threads, options.ResolvedAllowSpinning(Environment.ProcessorCount, threads), options.CpuMemoryArena));
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelPackageException(packageDirectory, [new ConfigError("model", $"\"{manifest.Model}\" was refused by ONNX Runtime ({e.Code}): {e.Message}", "a valid ONNX model")]);
        }

        OnnxModel? model = null;
        try
        {
            var contract = SessionContract.Check(manifest, session.Inputs, session.Outputs);
            if (contract.Count > 0)
            {
                throw new ModelPackageException(packageDirectory, contract);
            }

            model = new OnnxModel(manifest, session);
            var golden = model.SelfTest(package);
            if (golden.Count > 0)
            {
                throw new ModelPackageException(packageDirectory, golden);
            }

            return model;
        }
        catch
        {
            if (model is not null)
            {
                model.Dispose();
            }
            else
            {
                session.Dispose();
            }

            throw;
        }
    }

    /// <summary>Runs the model on one frame. Allocates nothing; <see cref="Prediction.Outputs"/> is valid until the next call.</summary>
    /// <exception cref="OpenCvException">The manifest's ROI does not fit the frame.</exception>
    /// <exception cref="OnnxRuntimeException">ORT failed during the run.</exception>
    public Prediction Predict(Frame frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var start = Stopwatch.GetTimestamp();
        _preprocessor.Run(frame, _input.Data);
        var preprocessed = Stopwatch.GetTimestamp();
        _run.Run();
        var done = Stopwatch.GetTimestamp();
        var (classIndex, score, decision, uncertain) = PredictionRules.Decide(_outputs.Span, Manifest.Output, Manifest.Decision);
        return new Prediction(classIndex, Manifest.Output.ClassNames[classIndex], score, decision, uncertain, _outputs,
            Stopwatch.GetElapsedTime(start, preprocessed), Stopwatch.GetElapsedTime(preprocessed, done));
    }

    /// <summary>Only the ORT Run on the tensor as it stands (benchmarks separate model latency from preprocessing).</summary>
    internal void RunOnly() => _run.Run();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _run.Dispose();
        _input.Dispose();
        _output.Dispose();
        _session.Dispose();
    }

    /// <summary>Runs every golden sample and reports each value outside its tolerance and each wrong class.</summary>
    private List<ConfigError> SelfTest(ModelPackage package)
    {
        var errors = new List<ConfigError>();
        for (var s = 0; s < Manifest.GoldenSamples.Length; s++)
        {
            var sample = Manifest.GoldenSamples[s];
            var field = $"golden_samples[{s}]";
            Frame frame;
            try
            {
                frame = CvImage.Read(package.ResolveFile(sample.Image, $"{field}.image"));
            }
            catch (ModelPackageException e)
            {
                errors.AddRange(e.Errors);
                continue;
            }
            catch (OpenCvException e)
            {
                errors.Add(new ConfigError($"{field}.image", $"\"{sample.Image}\" cannot be decoded: {e.Message}", "a JPEG or PNG frame"));
                continue;
            }

            Prediction prediction;
            try
            {
                prediction = Predict(frame);
            }
            catch (Exception e) when (e is OpenCvException or OnnxRuntimeException)
            {
                errors.Add(new ConfigError(field, $"could not be run: {e.Message}", $"a frame that fits input.roi ({Manifest.Input.Roi})"));
                continue;
            }

            var outputs = prediction.Outputs.Span;
            for (var i = 0; i < outputs.Length; i++)
            {
                var expected = sample.ExpectedOutput[i];
                if (!(Math.Abs(outputs[i] - expected) <= sample.Tolerance))
                {
                    errors.Add(new ConfigError($"{field}.expected_output[{i}]", $"the model gives {outputs[i]:R}",
                        $"{expected:R} ± {sample.Tolerance:R} (self-test on {sample.Image})"));
                }
            }

            if (prediction.ClassName != sample.ExpectedClass)
            {
                errors.Add(new ConfigError($"{field}.expected_class", $"the model picks \"{prediction.ClassName}\"", $"\"{sample.ExpectedClass}\" (self-test on {sample.Image})"));
            }
        }

        return errors;
    }
}
