using BenchmarkDotNet.Attributes;
using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.Onnx;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Benchmarks.Inference;

/// <summary>Per-call cost of the binding on an Identity model: a raw OrtApi Run call versus <see cref="OrtBoundRun"/>.</summary>
[Config(typeof(BenchConfig))]
public unsafe class InferenceOverheadBenchmarks
{
    private OrtSession _session = null!;
    private OrtTensor _input = null!;
    private OrtTensor _output = null!;
    private OrtBoundRun _run = null!;
    private nint _sessionHandle;
    private nint* _names;
    private nint* _values;

    [GlobalSetup]
    public void Setup()
    {
        _session = OrtSession.Create(OnnxTestModels.Identity("x", "y", 1, 4), new OrtSessionSettings(1, false));
        _input = OrtTensor.Create([1, 4]);
        _output = OrtTensor.Create([1, 4]);
        _run = new OrtBoundRun(_session, [("x", _input)], [("y", _output)]);
        _sessionHandle = _session.Handle.DangerousGetHandle();
        _names = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc(2, (nuint)sizeof(nint));
        _values = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc(2, (nuint)sizeof(nint));
        _names[0] = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8("x");
        _names[1] = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8("y");
        _values[0] = _input.Value.DangerousGetHandle();
        _values[1] = _output.Value.DangerousGetHandle();
    }

    /// <summary>ORT alone: the Run entry of the function table called directly, nothing of ours around it.</summary>
    [Benchmark(Baseline = true)]
    public void RawOrtRun()
    {
        var api = OrtApi.Instance;
        api.Check(api.Run(_sessionHandle, 0, _names, _values, 1, _names + 1, 1, _values + 1));
    }

    [Benchmark]
    public void BoundRun() => _run.Run();

    [GlobalCleanup]
    public void Cleanup()
    {
        _run.Dispose();
        _input.Dispose();
        _output.Dispose();
        _session.Dispose();
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
