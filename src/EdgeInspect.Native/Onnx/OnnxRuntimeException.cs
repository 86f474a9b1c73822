using System.Text.RegularExpressions;
using PackageException = Microsoft.ML.OnnxRuntime.OnnxRuntimeException;

namespace EdgeInspect.Native.Onnx;

/// <summary>ONNX Runtime's status codes (<c>OrtErrorCode</c> in onnxruntime_c_api.h), by their C names and values.</summary>
public enum OrtErrorCode
{
    /// <summary>The message carried no code this build knows.</summary>
    Unknown = -1,
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    ExecutionProviderFailure = 11,
    ModelRequiresCompilation = 12,
}

/// <summary>An ONNX Runtime call failed. <see cref="Code"/> is ORT's error code; the message is ORT's own.</summary>
public sealed class OnnxRuntimeException(OrtErrorCode code, string message, Exception? innerException = null)
    : Exception($"ONNX Runtime error {code}: {message}", innerException)
{
    public OrtErrorCode Code { get; } = code;
}

/// <summary>
/// The one place the package's exceptions become ours. Microsoft.ML.OnnxRuntime keeps its <c>ErrorCode</c> internal and
/// writes it into the message as <c>[ErrorCode:Name] text</c>, so the code is parsed back from there.
/// </summary>
/// <remarks>
/// The package's enum names values 11 and 12 <c>ShapeInferenceNotRegistered</c> and <c>RequirementNotRegistered</c>,
/// which the C API calls <c>ORT_EP_FAIL</c> and <c>ORT_MODEL_REQUIRES_COMPILATION</c>: they are mapped to the C
/// meaning. It names codes from a table of 0..12; a number or a name this build does not know (from a later package)
/// reads as its C value or <see cref="OrtErrorCode.Unknown"/>.
/// </remarks>
internal static partial class OrtErrors
{
    [GeneratedRegex(@"^\[ErrorCode:(\w+)\] ?(.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Prefix();

    public static OnnxRuntimeException Translate(PackageException e)
    {
        var match = Prefix().Match(e.Message);
        if (!match.Success)
        {
            return new OnnxRuntimeException(OrtErrorCode.Unknown, e.Message, e);
        }

        return new OnnxRuntimeException(Code(match.Groups[1].Value), match.Groups[2].Value, e);
    }

    internal static OrtErrorCode Code(string name) => name switch
    {
        "ShapeInferenceNotRegistered" => OrtErrorCode.ExecutionProviderFailure,
        "RequirementNotRegistered" => OrtErrorCode.ModelRequiresCompilation,
        _ when int.TryParse(name, out var value) => Enum.IsDefined((OrtErrorCode)value) ? (OrtErrorCode)value : OrtErrorCode.Unknown,
        _ when Enum.TryParse<OrtErrorCode>(name, ignoreCase: false, out var code) && Enum.IsDefined(code) => code,
        _ => OrtErrorCode.Unknown,
    };

    /// <summary>Runs a setup call of the package, translating its failure (not for the per-frame path: the lambda allocates).</summary>
    public static T Call<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (PackageException e)
        {
            throw Translate(e);
        }
    }
}
