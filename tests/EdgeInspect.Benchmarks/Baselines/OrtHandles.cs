// The hand-written binding of ONNX Runtime's C API that the station used before Microsoft.ML.OnnxRuntime (issue 12),
// kept only as the benchmarks' "before": it runs over the same libonnxruntime.so 1.31.1, whose function table still
// serves OrtApi version 24. Not production code; nothing outside tests/EdgeInspect.Benchmarks uses it.
using System.Runtime.InteropServices;

namespace EdgeInspect.Benchmarks.Baselines;

// One SafeHandle per ONNX Runtime object type. Each releases through its own OrtApi Release* entry; no finalizer
// logic of our own (SafeHandle's critical finalizer is the backstop if a Dispose is missed).

internal abstract class OrtHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;
}

internal sealed class OrtEnvHandle : OrtHandle
{
    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseEnv(handle);
        return true;
    }
}

internal sealed class OrtSessionOptionsHandle : OrtHandle
{
    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseSessionOptions(handle);
        return true;
    }
}

internal sealed class OrtSessionHandle : OrtHandle
{
    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseSession(handle);
        return true;
    }
}

internal sealed class OrtValueHandle : OrtHandle
{
    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseValue(handle);
        return true;
    }
}

internal sealed class OrtMemoryInfoHandle : OrtHandle
{
    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseMemoryInfo(handle);
        return true;
    }
}

internal sealed class OrtTypeInfoHandle : OrtHandle
{
    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.Instance.ReleaseTypeInfo(handle);
        return true;
    }
}

/// <summary>Creates a typed handle around a pointer an ORT call wrote, so ownership is
/// taken in the same statement as the call.</summary>
internal static class OrtHandles
{
    public static T Own<T>(nint pointer)
        where T : OrtHandle, new()
    {
        var handle = new T();
        Marshal.InitHandle(handle, pointer);
        return handle;
    }
}
