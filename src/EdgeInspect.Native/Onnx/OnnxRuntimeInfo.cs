namespace EdgeInspect.Native.Onnx;

/// <summary>What the loaded ONNX Runtime is, and where it came from.</summary>
public static class OnnxRuntimeInfo
{
    /// <summary>The native library's version string, e.g. "1.31.1".</summary>
    /// <exception cref="NativeLibraryMissingException">ONNX Runtime cannot be loaded.</exception>
    public static string Version() => OrtEnvironment.Instance.GetVersionString();

    /// <summary>The file the loader took (relative to the application folder when inside it), so an operator can
    /// see whether <c>EDGEINSPECT_ORT_LIBRARY</c> or the package's copy is in use.</summary>
    /// <exception cref="NativeLibraryMissingException">ONNX Runtime cannot be loaded.</exception>
    public static string Library()
    {
        NativeLibraries.Load(NativeLibraryId.OnnxRuntime);
        var from = NativeLibraries.LoadedFrom(NativeLibraryId.OnnxRuntime)!;
        var relative = Path.GetRelativePath(AppContext.BaseDirectory, from);
        return Path.IsPathRooted(from) && !relative.StartsWith("..", StringComparison.Ordinal) ? relative : from;
    }
}
