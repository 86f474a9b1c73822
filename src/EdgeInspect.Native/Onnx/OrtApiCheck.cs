using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Onnx;

/// <summary>
/// The loader's check that a library it found can serve Microsoft.ML.OnnxRuntime, made before any of the package's
/// types runs: the package asks for one OrtApi version in a static constructor and, given an older library, fails there
/// for the rest of the process.
/// </summary>
/// <remarks>
/// ABI (onnxruntime_c_api.h): the library exports one function, <c>const OrtApiBase* OrtGetApiBase(void)</c>;
/// <c>OrtApiBase</c> is two function pointers, <c>[0] const OrtApi* GetApi(uint32_t version)</c> (NULL for a version
/// the library does not know) and <c>[1] const char* GetVersionString(void)</c>.
/// https://onnxruntime.ai/docs/api/c/struct_ort_api_base.html
/// </remarks>
internal static unsafe class OrtApiCheck
{
    /// <summary>The library name the package's [DllImport]s ask the resolver for.</summary>
    public const string PackageLibraryName = "onnxruntime";

    /// <summary>The OrtApi version Microsoft.ML.OnnxRuntime 1.31.1 asks for (ORT_API_VERSION of 1.31; read from the
    /// package's NativeMethods). Move it with the package pin.</summary>
    public const uint PackageApiVersion = 31;

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct OrtApiBase
    {
        public readonly delegate* unmanaged<uint, nint> GetApi;
        public readonly delegate* unmanaged<byte*> GetVersionString;
    }

    /// <summary>Null when <paramref name="library"/> serves the package; otherwise what is wrong with it, for a person.</summary>
    public static string? Problem(nint library)
    {
        if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out var export))
        {
            return "it exports no OrtGetApiBase, so it is not ONNX Runtime";
        }

        var apiBase = ((delegate* unmanaged<OrtApiBase*>)export)();
        if (apiBase is null)
        {
            return "its OrtGetApiBase returned NULL";
        }

        if (apiBase->GetApi(PackageApiVersion) != 0)
        {
            return null;
        }

        var version = Marshal.PtrToStringUTF8((nint)apiBase->GetVersionString()) ?? "of unknown version";
        return $"it is ONNX Runtime {version}, which lacks OrtApi version {PackageApiVersion}: Microsoft.ML.OnnxRuntime 1.31.1 needs ONNX Runtime 1.31 or newer";
    }
}
