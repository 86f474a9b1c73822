using Microsoft.ML.OnnxRuntime;

namespace EdgeInspect.Native.Onnx;

/// <summary>
/// The process-wide ORT environment (one per process, as ORT requires), created on first use at log level ERROR and
/// never released. Every use of the package starts here, so the library is probed by <see cref="NativeLibraries"/>
/// (and the package's own resolver switched off) before any package type touches native code.
/// </summary>
internal static class OrtEnvironment
{
    private static readonly Lock Gate = new();
    private static OrtEnv? _env;

    /// <exception cref="NativeLibraryMissingException">ONNX Runtime cannot be loaded.</exception>
    public static OrtEnv Instance
    {
        get
        {
            var env = Volatile.Read(ref _env);
            if (env is not null)
            {
                return env;
            }

            lock (Gate)
            {
                if (_env is null)
                {
                    NativeLibraries.Load(NativeLibraryId.OnnxRuntime);
                    _env = OrtErrors.Call(Create);
                }

                return _env;
            }
        }
    }

    private static OrtEnv Create()
    {
        // Something of ours already created it (never with other settings: this is the only place that creates it).
        if (OrtEnv.IsCreated)
        {
            return OrtEnv.Instance();
        }

        // ERROR: ORT's warnings about unused initializers and the like are not the operator's business.
        var options = new EnvironmentCreationOptions { logId = "edgeinspect", logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        return OrtEnv.CreateInstanceWithOptions(ref options);
    }
}
