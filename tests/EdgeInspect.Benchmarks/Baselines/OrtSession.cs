// The hand-written binding of ONNX Runtime's C API that the station used before Microsoft.ML.OnnxRuntime (issue 12),
// kept only as the benchmarks' "before": it runs over the same libonnxruntime.so 1.31.1, whose function table still
// serves OrtApi version 24. Not production code; nothing outside tests/EdgeInspect.Benchmarks uses it.
using System.Runtime.InteropServices;
using System.Text;
using EdgeInspect.Core.Models;
using EdgeInspect.Native.Onnx;

namespace EdgeInspect.Benchmarks.Baselines;

/// <summary>The process-wide ORT environment (one per process, as ORT recommends); created on first use, never released.</summary>
internal static unsafe class OrtEnvironment
{
    private static readonly Lock Gate = new();
    private static OrtEnvHandle? _env;
    private static OrtMemoryInfoHandle? _cpu;

    public static OrtEnvHandle Env
    {
        get
        {
            lock (Gate)
            {
                if (_env is null)
                {
                    var api = OrtApi.Instance;
                    nint env;
                    // Level 3 (ERROR): ORT's warnings about unused initializers and the like are not the operator's business.
                    fixed (byte* id = "edgeinspect"u8)
                    {
                        api.Check(api.CreateEnv(3, id, &env));
                    }

                    _env = OrtHandles.Own<OrtEnvHandle>(env);
                }

                return _env;
            }
        }
    }

    /// <summary>CPU memory info (arena allocator, default memory type) for tensors over our own buffers.</summary>
    public static OrtMemoryInfoHandle CpuMemory
    {
        get
        {
            lock (Gate)
            {
                if (_cpu is null)
                {
                    var api = OrtApi.Instance;
                    nint info;
                    api.Check(api.CreateCpuMemoryInfo(1, 0, &info));
                    _cpu = OrtHandles.Own<OrtMemoryInfoHandle>(info);
                }

                return _cpu;
            }
        }
    }
}

/// <summary>Session settings: threads and spinning.</summary>
/// <param name="IntraOpThreads">Threads inside one operator.</param>
/// <param name="AllowSpinning">Whether idle intra-op threads spin (session.intra_op.allow_spinning).</param>
internal readonly record struct OrtSessionSettings(int IntraOpThreads, bool AllowSpinning);

/// <summary>An ONNX Runtime inference session with its inputs and outputs read once at creation.</summary>
/// <remarks>ORT sessions are thread-safe for Run; the tensors a caller binds are not (see <see cref="OrtBoundRun"/>).</remarks>
internal sealed unsafe class OrtSession : IDisposable
{
    private OrtSession(OrtSessionHandle handle, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs)
    {
        Handle = handle;
        Inputs = inputs;
        Outputs = outputs;
    }

    public OrtSessionHandle Handle { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>Creates a session from model bytes held in memory (the bytes that were hashed, not a second read of the file).</summary>
    /// <exception cref="OnnxRuntimeException">ORT refuses the model (garbage, truncated, unsupported operator ...).</exception>
    public static OrtSession Create(ReadOnlySpan<byte> model, OrtSessionSettings settings)
    {
        var api = OrtApi.Instance;
        var env = OrtEnvironment.Env;
        nint raw;
        api.Check(api.CreateSessionOptions(&raw));
        using var options = OrtHandles.Own<OrtSessionOptionsHandle>(raw);
        var o = options.DangerousGetHandle();
        api.Check(api.SetIntraOpNumThreads(o, settings.IntraOpThreads));
        api.Check(api.SetInterOpNumThreads(o, 1));
        api.Check(api.SetSessionGraphOptimizationLevel(o, 99)); // ORT_ENABLE_ALL
        fixed (byte* key = "session.intra_op.allow_spinning"u8)
        fixed (byte* value = settings.AllowSpinning ? "1"u8 : "0"u8)
        {
            api.Check(api.AddSessionConfigEntry(o, key, value));
        }

        nint session;
        fixed (byte* data = model)
        {
            api.Check(api.CreateSessionFromArray(env.DangerousGetHandle(), data, (nuint)model.Length, o, &session));
        }

        var handle = OrtHandles.Own<OrtSessionHandle>(session);
        try
        {
            return new OrtSession(handle, Describe(api, session, input: true), Describe(api, session, input: false));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose() => Handle.Dispose();

    private static List<TensorSpec> Describe(OrtApi api, nint session, bool input)
    {
        nuint count;
        api.Check(input ? api.SessionGetInputCount(session, &count) : api.SessionGetOutputCount(session, &count));
        nint allocator;
        api.Check(api.GetAllocatorWithDefaultOptions(&allocator));
        var specs = new List<TensorSpec>((int)count);
        for (nuint i = 0; i < count; i++)
        {
            byte* namePointer;
            api.Check(input ? api.SessionGetInputName(session, i, allocator, &namePointer) : api.SessionGetOutputName(session, i, allocator, &namePointer));
            string name;
            try
            {
                name = Marshal.PtrToStringUTF8((nint)namePointer) ?? "";
            }
            finally
            {
                api.Check(api.AllocatorFree(allocator, namePointer));
            }

            nint typeInfo;
            api.Check(input ? api.SessionGetInputTypeInfo(session, i, &typeInfo) : api.SessionGetOutputTypeInfo(session, i, &typeInfo));
            using var owned = OrtHandles.Own<OrtTypeInfoHandle>(typeInfo);
            nint tensorInfo;
            api.Check(api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
            if (tensorInfo == 0)
            {
                specs.Add(new TensorSpec(name, "not a tensor", []));
                continue;
            }

            OrtElementType type;
            nuint rank;
            api.Check(api.GetTensorElementType(tensorInfo, &type));
            api.Check(api.GetDimensionsCount(tensorInfo, &rank));
            var dims = new long[(int)rank];
            fixed (long* d = dims)
            {
                api.Check(api.GetDimensions(tensorInfo, d, rank));
            }

            specs.Add(new TensorSpec(name, ElementTypeName(type), dims));
        }

        return specs;
    }

    internal static string ElementTypeName(OrtElementType type) => type switch
    {
        OrtElementType.Float => "float32",
        OrtElementType.Double => "float64",
        OrtElementType.Float16 => "float16",
        OrtElementType.BFloat16 => "bfloat16",
        OrtElementType.UInt8 => "uint8",
        OrtElementType.Int8 => "int8",
        OrtElementType.Int32 => "int32",
        OrtElementType.Int64 => "int64",
        OrtElementType.Bool => "bool",
        OrtElementType.String => "string",
        _ => type.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// A float32 tensor over a pinned managed array, created once and reused for every run: ORT reads (input) or writes
/// (output) the array in place, so a run copies nothing and allocates nothing.
/// </summary>
/// <remarks>Lifetime: the OrtValue borrows <see cref="Data"/>; the array is pinned for the life of this object and
/// the value is released first on dispose.</remarks>
internal sealed unsafe class OrtTensor : IDisposable
{
    private OrtTensor(float[] data, long[] shape, OrtValueHandle value)
    {
        Data = data;
        Shape = shape;
        Value = value;
    }

    public float[] Data { get; }

    public IReadOnlyList<long> Shape { get; }

    public OrtValueHandle Value { get; }

    public static OrtTensor Create(IReadOnlyList<long> shape)
    {
        var api = OrtApi.Instance;
        var dims = shape.ToArray();
        var count = dims.Aggregate(1L, (a, d) => checked(a * d));
        var data = GC.AllocateArray<float>(checked((int)count), pinned: true);
        nint value;
        fixed (long* d = dims)
        {
            api.Check(api.CreateTensorWithDataAsOrtValue(
                OrtEnvironment.CpuMemory.DangerousGetHandle(), AddressOf(data), (nuint)(count * sizeof(float)), d, (nuint)dims.Length, OrtElementType.Float, &value));
        }

        return new OrtTensor(data, dims, OrtHandles.Own<OrtValueHandle>(value));
    }

    public void Dispose() => Value.Dispose();

    // The array is pinned (GC.AllocateArray pinned: true), so its address is stable for its whole life.
    private static void* AddressOf(float[] pinned) => Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0).ToPointer();
}

/// <summary>
/// One session bound to fixed input and output tensors: <see cref="Run"/> is a single ORT call with no marshalling
/// and no allocation. Not thread-safe: one Run at a time, because the tensors are shared.
/// </summary>
internal sealed unsafe class OrtBoundRun : IDisposable
{
    private readonly OrtSession _session;
    private readonly OrtTensor[] _tensors;
    private readonly nint _sessionHandle;
    private readonly nint* _inputNames;
    private readonly nint* _inputValues;
    private readonly nint* _outputNames;
    private readonly nint* _outputValues;
    private readonly int _inputCount;
    private readonly int _outputCount;
    private bool _disposed;

    public OrtBoundRun(OrtSession session, IReadOnlyList<(string Name, OrtTensor Tensor)> inputs, IReadOnlyList<(string Name, OrtTensor Tensor)> outputs)
    {
        _session = session;
        _tensors = [.. inputs.Select(i => i.Tensor), .. outputs.Select(o => o.Tensor)];
        _inputCount = inputs.Count;
        _outputCount = outputs.Count;
        _inputNames = Names(inputs);
        _outputNames = Names(outputs);
        _inputValues = Values(inputs);
        _outputValues = Values(outputs);

        // Raw handles are read once; the SafeHandles stay referenced (AddRef) until Dispose, so they cannot be released under us.
        var added = false;
        session.Handle.DangerousAddRef(ref added);
        _sessionHandle = session.Handle.DangerousGetHandle();
        foreach (var tensor in _tensors)
        {
            var tensorAdded = false;
            tensor.Value.DangerousAddRef(ref tensorAdded);
        }
    }

    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var api = OrtApi.Instance;
        api.Check(api.Run(_sessionHandle, 0, _inputNames, _inputValues, (nuint)_inputCount, _outputNames, (nuint)_outputCount, _outputValues));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var tensor in _tensors)
        {
            tensor.Value.DangerousRelease();
        }

        _session.Handle.DangerousRelease();
        FreeNames(_inputNames, _inputCount);
        FreeNames(_outputNames, _outputCount);
        NativeMemory.Free(_inputValues);
        NativeMemory.Free(_outputValues);
    }

    private static nint* Names(IReadOnlyList<(string Name, OrtTensor Tensor)> bound)
    {
        var names = (nint*)NativeMemory.AllocZeroed((nuint)Math.Max(1, bound.Count), (nuint)sizeof(nint));
        for (var i = 0; i < bound.Count; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(bound[i].Name);
            var text = (byte*)NativeMemory.AllocZeroed((nuint)bytes.Length + 1);
            bytes.CopyTo(new Span<byte>(text, bytes.Length));
            names[i] = (nint)text;
        }

        return names;
    }

    private static nint* Values(IReadOnlyList<(string Name, OrtTensor Tensor)> bound)
    {
        var values = (nint*)NativeMemory.AllocZeroed((nuint)Math.Max(1, bound.Count), (nuint)sizeof(nint));
        for (var i = 0; i < bound.Count; i++)
        {
            values[i] = bound[i].Tensor.Value.DangerousGetHandle();
        }

        return values;
    }

    private static void FreeNames(nint* names, int count)
    {
        for (var i = 0; i < count; i++)
        {
            NativeMemory.Free((void*)names[i]);
        }

        NativeMemory.Free(names);
    }
}
