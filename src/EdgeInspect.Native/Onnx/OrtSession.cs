using EdgeInspect.Core.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PackageException = Microsoft.ML.OnnxRuntime.OnnxRuntimeException;

namespace EdgeInspect.Native.Onnx;

/// <summary>Session settings: threads, spinning and the CPU arena.</summary>
/// <param name="IntraOpThreads">Threads inside one operator.</param>
/// <param name="AllowSpinning">Whether idle intra-op threads spin (session.intra_op.allow_spinning).</param>
/// <param name="CpuMemoryArena">ORT's CPU arena and memory pattern: on, the session keeps the peak of its
/// intermediate tensors allocated between runs (fewer mallocs); off, each run allocates from the C heap.</param>
internal readonly record struct OrtSessionSettings(int IntraOpThreads, bool AllowSpinning, bool CpuMemoryArena = true);

/// <summary>An ONNX Runtime inference session with its inputs and outputs read once at creation.</summary>
/// <remarks>ORT sessions are thread-safe for Run; the tensors a caller binds are not (see <see cref="OrtBoundRun"/>).</remarks>
internal sealed class OrtSession : IDisposable
{
    private OrtSession(InferenceSession session, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs)
    {
        Session = session;
        Inputs = inputs;
        Outputs = outputs;
    }

    public InferenceSession Session { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>Creates a session from model bytes held in memory: the very array that was hashed, never a second read of the file.</summary>
    /// <exception cref="OnnxRuntimeException">ORT refuses the model (garbage, truncated, unsupported operator ...).</exception>
    /// <exception cref="NativeLibraryMissingException">ONNX Runtime cannot be loaded.</exception>
    public static OrtSession Create(byte[] model, OrtSessionSettings settings)
    {
        _ = OrtEnvironment.Instance;
        return OrtErrors.Call(() =>
        {
            using var options = new SessionOptions
            {
                IntraOpNumThreads = settings.IntraOpThreads,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                EnableCpuMemArena = settings.CpuMemoryArena,
                EnableMemoryPattern = settings.CpuMemoryArena,
            };
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", settings.AllowSpinning ? "1" : "0");

            // The native session copies what it needs from the options, so they are released here.
            var session = new InferenceSession(model, options);
            try
            {
                return new OrtSession(session, Describe(session.InputNames, session.InputMetadata), Describe(session.OutputNames, session.OutputMetadata));
            }
            catch
            {
                session.Dispose();
                throw;
            }
        });
    }

    public void Dispose() => Session.Dispose();

    /// <summary>The graph's order (the names list), with each entry's metadata; -1 stays -1 (a dynamic dimension).</summary>
    private static List<TensorSpec> Describe(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        names.Select(name => metadata[name] is { IsTensor: true } node
                ? new TensorSpec(name, ElementTypeName(node.ElementDataType), [.. node.Dimensions.Select(d => (long)d)])
                : new TensorSpec(name, $"not a tensor ({metadata[name].OnnxValueType})", []))
            .ToList();

    internal static string ElementTypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Double => "float64",
        TensorElementType.Float16 => "float16",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Int8 => "int8",
        TensorElementType.UInt16 => "uint16",
        TensorElementType.Int16 => "int16",
        TensorElementType.Int32 => "int32",
        TensorElementType.Int64 => "int64",
        TensorElementType.UInt32 => "uint32",
        TensorElementType.UInt64 => "uint64",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        _ => type.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// A float32 tensor over a pinned managed array, created once and reused for every run: ORT reads (input) or writes
/// (output) the array in place, so a run copies nothing and allocates nothing.
/// </summary>
/// <remarks>Lifetime: the OrtValue borrows <see cref="Data"/> (the array lives on the pinned heap, and the value also
/// holds a pin of its own until disposed); dispose the value before dropping the array.</remarks>
internal sealed class OrtTensor : IDisposable
{
    private OrtTensor(float[] data, long[] shape, OrtValue value)
    {
        Data = data;
        Shape = shape;
        Value = value;
    }

    public float[] Data { get; }

    public IReadOnlyList<long> Shape { get; }

    public OrtValue Value { get; }

    /// <exception cref="NativeLibraryMissingException">ONNX Runtime cannot be loaded.</exception>
    public static OrtTensor Create(IReadOnlyList<long> shape)
    {
        _ = OrtEnvironment.Instance;
        var dims = shape.ToArray();
        var count = dims.Aggregate(1L, (a, d) => checked(a * d));
        var data = GC.AllocateArray<float>(checked((int)count), pinned: true);
        return new OrtTensor(data, dims, OrtErrors.Call(() => OrtValue.CreateTensorValueFromMemory(data, dims)));
    }

    public void Dispose() => Value.Dispose();
}

/// <summary>
/// One session bound to fixed input and output tensors through one <see cref="OrtIoBinding"/>: <see cref="Run"/> is
/// <c>RunWithBinding</c>, which marshals no names and allocates nothing. Not thread-safe: one Run at a time, because
/// the tensors are shared.
/// </summary>
/// <remarks>A name the model does not have fails here, at binding (<see cref="OrtErrorCode.Fail"/>), not at the first run.</remarks>
internal sealed class OrtBoundRun : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly OrtIoBinding _binding;
    private bool _disposed;

    /// <exception cref="OnnxRuntimeException">A name is not one of the model's inputs or outputs.</exception>
    public OrtBoundRun(OrtSession session, IReadOnlyList<(string Name, OrtTensor Tensor)> inputs, IReadOnlyList<(string Name, OrtTensor Tensor)> outputs)
    {
        _session = session.Session;
        _runOptions = new RunOptions();
        _binding = _session.CreateIoBinding();
        try
        {
            foreach (var (name, tensor) in inputs)
            {
                _binding.BindInput(name, tensor.Value);
            }

            foreach (var (name, tensor) in outputs)
            {
                _binding.BindOutput(name, tensor.Value);
            }
        }
        catch (PackageException e)
        {
            Dispose();
            throw OrtErrors.Translate(e);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <exception cref="OnnxRuntimeException">ORT failed during the run.</exception>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            _session.RunWithBinding(_runOptions, _binding);
        }
        catch (PackageException e)
        {
            throw OrtErrors.Translate(e);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _binding.Dispose();
        _runOptions.Dispose();
    }
}
