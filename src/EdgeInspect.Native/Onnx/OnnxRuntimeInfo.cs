namespace EdgeInspect.Native.Onnx;

/// <summary>What the loaded ONNX Runtime is.</summary>
public static class OnnxRuntimeInfo
{
    /// <summary>The library's version string, e.g. "1.24.3".</summary>
    public static string Version() => OrtLibrary.VersionString();
}
