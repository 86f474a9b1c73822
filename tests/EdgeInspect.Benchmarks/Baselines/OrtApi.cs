// The hand-written binding of ONNX Runtime's C API that the station used before Microsoft.ML.OnnxRuntime (issue 12),
// kept only as the benchmarks' "before": it runs over the same libonnxruntime.so 1.31.1, whose function table still
// serves OrtApi version 24. Not production code; nothing outside tests/EdgeInspect.Benchmarks uses it.
using System.Runtime.InteropServices;
using EdgeInspect.Native.Onnx;

namespace EdgeInspect.Benchmarks.Baselines;

/// <summary>
/// The entries of ONNX Runtime's <c>OrtApi</c> function table this binding calls, read once by position.
/// </summary>
/// <remarks>
/// <para>ABI: <c>OrtApi</c> (onnxruntime_c_api.h) is a struct of function pointers in declaration order, append-only
/// across releases. The indices below are positions in that struct for API version <see cref="OrtLibrary.ApiVersion"/>
/// (24), each verified by a call against 1.24.3. Never renumber; new entries only ever come after old ones.</para>
/// <para>Every entry that returns <c>OrtStatus*</c> goes through <see cref="Check"/>, the one place a status becomes
/// an exception and is released. Upstream docs: https://onnxruntime.ai/docs/api/c/struct_ort_api.html</para>
/// </remarks>
internal sealed unsafe class OrtApi
{
    private static readonly Lock Gate = new();
    private static OrtApi? _instance;

    private OrtApi(nint* table)
    {
        GetErrorCode = (delegate* unmanaged<nint, OrtErrorCode>)table[1];
        GetErrorMessage = (delegate* unmanaged<nint, byte*>)table[2];
        CreateEnv = (delegate* unmanaged<int, byte*, nint*, nint>)table[3];
        CreateSessionFromArray = (delegate* unmanaged<nint, void*, nuint, nint, nint*, nint>)table[8];
        Run = (delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)table[9];
        CreateSessionOptions = (delegate* unmanaged<nint*, nint>)table[10];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<nint, int, nint>)table[23];
        SetIntraOpNumThreads = (delegate* unmanaged<nint, int, nint>)table[24];
        SetInterOpNumThreads = (delegate* unmanaged<nint, int, nint>)table[25];
        SessionGetInputCount = (delegate* unmanaged<nint, nuint*, nint>)table[30];
        SessionGetOutputCount = (delegate* unmanaged<nint, nuint*, nint>)table[31];
        SessionGetInputTypeInfo = (delegate* unmanaged<nint, nuint, nint*, nint>)table[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged<nint, nuint, nint*, nint>)table[34];
        SessionGetInputName = (delegate* unmanaged<nint, nuint, nint, byte**, nint>)table[36];
        SessionGetOutputName = (delegate* unmanaged<nint, nuint, nint, byte**, nint>)table[37];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<nint, void*, nuint, long*, nuint, OrtElementType, nint*, nint>)table[49];
        CastTypeInfoToTensorInfo = (delegate* unmanaged<nint, nint*, nint>)table[55];
        GetTensorElementType = (delegate* unmanaged<nint, OrtElementType*, nint>)table[60];
        GetDimensionsCount = (delegate* unmanaged<nint, nuint*, nint>)table[61];
        GetDimensions = (delegate* unmanaged<nint, long*, nuint, nint>)table[62];
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, nint*, nint>)table[69];
        AllocatorFree = (delegate* unmanaged<nint, void*, nint>)table[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged<nint*, nint>)table[78];
        ReleaseEnv = (delegate* unmanaged<nint, void>)table[92];
        ReleaseStatus = (delegate* unmanaged<nint, void>)table[93];
        ReleaseMemoryInfo = (delegate* unmanaged<nint, void>)table[94];
        ReleaseSession = (delegate* unmanaged<nint, void>)table[95];
        ReleaseValue = (delegate* unmanaged<nint, void>)table[96];
        ReleaseTypeInfo = (delegate* unmanaged<nint, void>)table[98];
        ReleaseSessionOptions = (delegate* unmanaged<nint, void>)table[100];
        AddSessionConfigEntry = (delegate* unmanaged<nint, byte*, byte*, nint>)table[130];
    }

    // [1] OrtErrorCode GetErrorCode(const OrtStatus*)            [2] const char* GetErrorMessage(const OrtStatus*)
    public readonly delegate* unmanaged<nint, OrtErrorCode> GetErrorCode;
    public readonly delegate* unmanaged<nint, byte*> GetErrorMessage;

    // [3] CreateEnv(OrtLoggingLevel, const char* logid, OrtEnv** out)
    public readonly delegate* unmanaged<int, byte*, nint*, nint> CreateEnv;

    // [8] CreateSessionFromArray(const OrtEnv*, const void* data, size_t length, const OrtSessionOptions*, OrtSession** out)
    public readonly delegate* unmanaged<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray;

    // [9] Run(OrtSession*, const OrtRunOptions*, const char* const* input_names, const OrtValue* const* inputs, size_t input_len,
    //         const char* const* output_names, size_t output_names_len, OrtValue** outputs)
    //     A non-null outputs[i] is used as the pre-allocated output: ORT writes into it instead of allocating.
    public readonly delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run;

    // [10] CreateSessionOptions  [23] SetSessionGraphOptimizationLevel  [24] SetIntraOpNumThreads  [25] SetInterOpNumThreads
    public readonly delegate* unmanaged<nint*, nint> CreateSessionOptions;
    public readonly delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel;
    public readonly delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads;
    public readonly delegate* unmanaged<nint, int, nint> SetInterOpNumThreads;

    // [30] SessionGetInputCount  [31] SessionGetOutputCount  [33] SessionGetInputTypeInfo  [34] SessionGetOutputTypeInfo
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount;
    public readonly delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount;
    public readonly delegate* unmanaged<nint, nuint, nint*, nint> SessionGetInputTypeInfo;
    public readonly delegate* unmanaged<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;

    // [36] SessionGetInputName  [37] SessionGetOutputName: the name is allocated with the allocator; free it with [76].
    public readonly delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetInputName;
    public readonly delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetOutputName;

    // [49] CreateTensorWithDataAsOrtValue(const OrtMemoryInfo*, void* data, size_t data_bytes, const int64_t* shape,
    //      size_t shape_len, ONNXTensorElementDataType, OrtValue** out): the value borrows data, which must outlive it.
    public readonly delegate* unmanaged<nint, void*, nuint, long*, nuint, OrtElementType, nint*, nint> CreateTensorWithDataAsOrtValue;

    // [55] CastTypeInfoToTensorInfo: the result is borrowed from the type info and must not be released.
    public readonly delegate* unmanaged<nint, nint*, nint> CastTypeInfoToTensorInfo;

    // [60] GetTensorElementType  [61] GetDimensionsCount  [62] GetDimensions
    public readonly delegate* unmanaged<nint, OrtElementType*, nint> GetTensorElementType;
    public readonly delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount;
    public readonly delegate* unmanaged<nint, long*, nuint, nint> GetDimensions;

    // [69] CreateCpuMemoryInfo(OrtAllocatorType, OrtMemType, OrtMemoryInfo** out)
    public readonly delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo;

    // [76] AllocatorFree(OrtAllocator*, void*)  [78] GetAllocatorWithDefaultOptions(OrtAllocator** out): not to be released.
    public readonly delegate* unmanaged<nint, void*, nint> AllocatorFree;
    public readonly delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions;

    // [92..100] Release* (void return)
    public readonly delegate* unmanaged<nint, void> ReleaseEnv;
    public readonly delegate* unmanaged<nint, void> ReleaseStatus;
    public readonly delegate* unmanaged<nint, void> ReleaseMemoryInfo;
    public readonly delegate* unmanaged<nint, void> ReleaseSession;
    public readonly delegate* unmanaged<nint, void> ReleaseValue;
    public readonly delegate* unmanaged<nint, void> ReleaseTypeInfo;
    public readonly delegate* unmanaged<nint, void> ReleaseSessionOptions;

    // [130] AddSessionConfigEntry(OrtSessionOptions*, const char* key, const char* value)
    public readonly delegate* unmanaged<nint, byte*, byte*, nint> AddSessionConfigEntry;

    /// <summary>The table, read on first use (never from a static constructor, so a missing library is a clear
    /// <see cref="NativeLibraryMissingException"/>).</summary>
    public static OrtApi Instance
    {
        get
        {
            var api = Volatile.Read(ref _instance);
            if (api is not null)
            {
                return api;
            }

            lock (Gate)
            {
                _instance ??= new OrtApi((nint*)OrtLibrary.GetApi());
                return _instance;
            }
        }
    }

    /// <summary>The status choke point: null is success; anything else is read, released, and thrown.</summary>
    public void Check(nint status)
    {
        if (status != 0)
        {
            throw Failure(status);
        }
    }

    private OnnxRuntimeException Failure(nint status)
    {
        try
        {
            var code = GetErrorCode(status);
            var message = Marshal.PtrToStringUTF8((nint)GetErrorMessage(status)) ?? "";
            return new OnnxRuntimeException(code, message);
        }
        finally
        {
            ReleaseStatus(status);
        }
    }
}

/// <summary>Mirror of <c>ONNXTensorElementDataType</c>.</summary>
internal enum OrtElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}
