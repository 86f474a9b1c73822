using BenchmarkDotNet.Attributes;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeInspect.Benchmarks.Inference;

/// <summary>
/// The ORT binding's overhead, before and after issue 12, in one run over the same libonnxruntime.so 1.31.1 and the
/// same input: the old hand binding of the C API (Baselines/), the package path the station uses now (one
/// OrtIoBinding, RunWithBinding), the package's pre-allocated Run with name and value arrays, and the naive package
/// path (a new DenseTensor and NamedOnnxValue list per call). <see cref="RawCApiRun"/> is ORT alone: the table's Run
/// entry with nothing of ours around it. Identity [1,4] shows the per-call cost; the reference model shows whether it matters.
/// </summary>
[Config(typeof(BenchConfig))]
public unsafe class InferenceOverheadBenchmarks
{
    private static readonly OrtSessionSettings OneThread = new(1, AllowSpinning: false);

    private Baselines.OrtSession _handSession = null!;
    private Baselines.OrtTensor _handInput = null!;
    private Baselines.OrtTensor _handOutput = null!;
    private Baselines.OrtBoundRun _handRun = null!;
    private nint _handSessionHandle;
    private nint* _names;
    private nint* _values;

    private OrtSession _session = null!;
    private OrtTensor _input = null!;
    private OrtTensor _output = null!;
    private OrtBoundRun _boundRun = null!;
    private RunOptions _runOptions = null!;
    private string[] _inputNames = null!;
    private string[] _outputNames = null!;
    private OrtValue[] _inputValues = null!;
    private OrtValue[] _outputValues = null!;
    private int[] _dims = null!;

    /// <summary><c>identity</c>: the Identity test model [1,4]; <c>reference</c>: models/reference, [1,3,224,224] → [1,4].</summary>
    [Params("identity", "reference")]
    public string Model { get; set; } = "identity";

    [GlobalSetup]
    public void Setup()
    {
        var (bytes, inputName, outputName, inputShape, outputShape) = Model switch
        {
            "identity" => (OnnxTestModels.Identity("x", "y", 1, 4), "x", "y", new long[] { 1, 4 }, new long[] { 1, 4 }),
            "reference" => (File.ReadAllBytes(Path.Combine(RepoPaths.Models, "reference", "model.onnx")), "image", "probs", [1, 3, 224, 224], [1, 4]),
            _ => throw new ArgumentException($"unknown model {Model}"),
        };

        _session = OrtSession.Create(bytes, OneThread);
        _input = OrtTensor.Create(inputShape);
        _output = OrtTensor.Create(outputShape);
        _boundRun = new OrtBoundRun(_session, [(inputName, _input)], [(outputName, _output)]);
        _runOptions = new RunOptions();
        (_inputNames, _outputNames) = ([inputName], [outputName]);
        (_inputValues, _outputValues) = ([_input.Value], [_output.Value]);
        _dims = [.. inputShape.Select(d => (int)d)];

        _handSession = Baselines.OrtSession.Create(bytes, new Baselines.OrtSessionSettings(1, false));
        _handInput = Baselines.OrtTensor.Create(inputShape);
        _handOutput = Baselines.OrtTensor.Create(outputShape);
        _handRun = new Baselines.OrtBoundRun(_handSession, [(inputName, _handInput)], [(outputName, _handOutput)]);
        _handSessionHandle = _handSession.Handle.DangerousGetHandle();
        _names = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc(2, (nuint)sizeof(nint));
        _values = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc(2, (nuint)sizeof(nint));
        _names[0] = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8(inputName);
        _names[1] = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8(outputName);
        _values[0] = _handInput.Value.DangerousGetHandle();
        _values[1] = _handOutput.Value.DangerousGetHandle();

        // The same input for every path: a real station frame for the reference model, a ramp for Identity.
        if (Model == "reference")
        {
            var manifest = ModelPackage.Open(Path.Combine(RepoPaths.Models, "reference")).Manifest;
            new FramePreprocessor(manifest.Input).Run(CvImage.Read(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames", "00000.jpg")), _input.Data);
        }
        else
        {
            for (var i = 0; i < _input.Data.Length; i++)
            {
                _input.Data[i] = i * 0.25f - 0.5f;
            }
        }

        _input.Data.CopyTo(_handInput.Data, 0);
        _boundRun.Run();
        _handRun.Run();
        if (!_output.Data.SequenceEqual(_handOutput.Data) || Naive() != _output.Data[0])
        {
            throw new InvalidOperationException("the paths disagree on the output; the comparison would be meaningless");
        }
    }

    /// <summary>ORT alone: the C API's Run entry called through the old binding's table, nothing of ours around it.</summary>
    [Benchmark]
    public void RawCApiRun()
    {
        var api = Baselines.OrtApi.Instance;
        api.Check(api.Run(_handSessionHandle, 0, _names, _values, 1, _names + 1, 1, _values + 1));
    }

    /// <summary>Before: the hand binding's bound run (function table, names and values marshalled once).</summary>
    [Benchmark(Baseline = true)]
    public void HandBinding() => _handRun.Run();

    /// <summary>After: what <see cref="OnnxModel"/> runs, one OrtIoBinding and RunWithBinding.</summary>
    [Benchmark]
    public void PackageIoBinding() => _boundRun.Run();

    /// <summary>The package's Run over pre-allocated OrtValues, names passed each call.</summary>
    [Benchmark]
    public void PackageRunPreallocated() => _session.Session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);

    /// <summary>The package used the way its samples do: a new tensor and result collection per call.</summary>
    [Benchmark]
    public float PackageNaive() => Naive();

    private float Naive()
    {
        var tensor = new DenseTensor<float>(_dims);
        _input.Data.CopyTo(tensor.Buffer.Span);
        using var results = _session.Session.Run([NamedOnnxValue.CreateFromTensor(_inputNames[0], tensor)]);
        return results.First().AsTensor<float>().GetValue(0);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _boundRun.Dispose();
        _runOptions.Dispose();
        _input.Dispose();
        _output.Dispose();
        _session.Dispose();
        _handRun.Dispose();
        _handInput.Dispose();
        _handOutput.Dispose();
        _handSession.Dispose();
        System.Runtime.InteropServices.Marshal.FreeCoTaskMem(_names[0]);
        System.Runtime.InteropServices.Marshal.FreeCoTaskMem(_names[1]);
        System.Runtime.InteropServices.NativeMemory.Free(_names);
        System.Runtime.InteropServices.NativeMemory.Free(_values);
    }
}

/// <summary>One 640×480 station frame to the 1×3×224×224 tensor of the reference contract.</summary>
[Config(typeof(BenchConfig))]
public class InferencePreprocessBenchmarks
{
    private Frame _frame = null!;
    private FramePreprocessor _preprocessor = null!;
    private float[] _tensor = null!;

    [GlobalSetup]
    public void Setup()
    {
        _frame = CvImage.Read(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames", "00000.jpg"));
        _preprocessor = new FramePreprocessor(ModelPackage.Open(Path.Combine(RepoPaths.Models, "reference")).Manifest.Input);
        _tensor = GC.AllocateArray<float>(_preprocessor.ElementCount, pinned: true);
    }

    [Benchmark]
    public void Preprocess640x480() => _preprocessor.Run(_frame, _tensor);
}

/// <summary>The reference model: ORT Run alone (ModelRun), and the whole Predict (preprocessing + run + decision), on 1 and 2 threads.</summary>
[Config(typeof(BenchConfig))]
public class InferenceReferenceModelBenchmarks
{
    private OnnxModel _model = null!;
    private Frame _frame = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = OnnxModel.Load(Path.Combine(RepoPaths.Models, "reference"), new InferenceOptions { IntraOpThreads = Threads });
        _frame = CvImage.Read(Path.Combine(RepoPaths.PhoneSet("holdout"), "frames", "00000.jpg"));
    }

    [Benchmark]
    public void ModelRun() => _model.RunOnly();

    [Benchmark]
    public float Predict() => _model.Predict(_frame).DefectScore;

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();
}
