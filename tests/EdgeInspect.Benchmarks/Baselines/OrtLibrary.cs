// The hand-written binding of ONNX Runtime's C API that the station used before Microsoft.ML.OnnxRuntime (issue 12),
// kept only as the benchmarks' "before": it runs over the same libonnxruntime.so 1.31.1, whose function table still
// serves OrtApi version 24. Not production code; nothing outside tests/EdgeInspect.Benchmarks uses it.
using System.Runtime.InteropServices;
using EdgeInspect.Native;

namespace EdgeInspect.Benchmarks.Baselines;

/// <summary>
/// Entry into ONNX Runtime's C API. The library exports a single function, <c>OrtGetApiBase</c>; everything else
/// is reached through the versioned function table it returns (see onnxruntime_c_api.h).
/// </summary>
/// <remarks>
/// ABI facts (verified on 1.24.3): <c>OrtApiBase</c> is two function pointers,
/// <c>[0] const OrtApi* GetApi(uint32_t version)</c> and <c>[1] const char* GetVersionString(void)</c>.
/// <c>GetApi(v)</c> returns NULL for a version the library does not know.
/// </remarks>
internal static unsafe class OrtLibrary
{
    /// <summary>The OrtApi version this binding is written against (ORT 1.24). The table is append-only.</summary>
    public const uint ApiVersion = 24;

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct OrtApiBase
    {
        public readonly delegate* unmanaged<uint, nint> GetApi;
        public readonly delegate* unmanaged<byte*> GetVersionString;
    }

    private static OrtApiBase* ApiBase()
    {
        var library = NativeLibraries.Load(NativeLibraryId.OnnxRuntime);
        var getApiBase = (delegate* unmanaged<OrtApiBase*>)NativeLibrary.GetExport(library, "OrtGetApiBase");
        return getApiBase();
    }

    /// <summary>The version string of the loaded library, e.g. "1.24.3".</summary>
    public static string VersionString() => Marshal.PtrToStringUTF8((nint)ApiBase()->GetVersionString()) ?? "";

    /// <summary>The OrtApi function table for <see cref="ApiVersion"/>.</summary>
    /// <exception cref="NotSupportedException">The library is older than the API this binding needs.</exception>
    public static nint GetApi()
    {
        var apiBase = ApiBase();
        var api = apiBase->GetApi(ApiVersion);
        if (api == 0)
        {
            var version = Marshal.PtrToStringUTF8((nint)apiBase->GetVersionString());
            throw new NotSupportedException(
                $"ONNX Runtime {version} does not offer OrtApi version {ApiVersion}; the baseline binding needs ONNX Runtime 1.24 or newer.");
        }

        return api;
    }
}
