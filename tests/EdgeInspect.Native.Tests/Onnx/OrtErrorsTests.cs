using EdgeInspect.Native.Onnx;
using PackageException = Microsoft.ML.OnnxRuntime.OnnxRuntimeException;

namespace EdgeInspect.Native.Tests.Onnx;

/// <summary>The one translation of the package's exceptions: the code comes back from the message's prefix.</summary>
[Trait("Category", "Integration")]
public sealed class OrtErrorsTests
{
    [Theory]
    [InlineData("InvalidProtobuf", OrtErrorCode.InvalidProtobuf)]
    [InlineData("Fail", OrtErrorCode.Fail)]
    [InlineData("NoSuchFile", OrtErrorCode.NoSuchFile)]
    [InlineData("InvalidGraph", OrtErrorCode.InvalidGraph)]
    [InlineData("ShapeInferenceNotRegistered", OrtErrorCode.ExecutionProviderFailure)] // the package's name for C's 11
    [InlineData("RequirementNotRegistered", OrtErrorCode.ModelRequiresCompilation)]   // and for 12
    [InlineData("12", OrtErrorCode.ModelRequiresCompilation)]
    [InlineData("13", OrtErrorCode.Unknown)]
    [InlineData("SomethingNew", OrtErrorCode.Unknown)]
    public void Codes_Are_Read_By_Their_Names_And_Numbers(string name, OrtErrorCode expected) =>
        Assert.Equal(expected, OrtErrors.Code(name));

    [Fact]
    public void The_Prefix_Becomes_The_Code_And_The_Rest_Stays_The_Message()
    {
        var original = PackageError(7, "Failed to load model because protobuf parsing failed.");
        Assert.StartsWith("[ErrorCode:InvalidProtobuf] ", original.Message); // the package's own format, which this relies on

        var e = OrtErrors.Translate(original);

        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.Code);
        Assert.Equal("ONNX Runtime error InvalidProtobuf: Failed to load model because protobuf parsing failed.", e.Message);
        Assert.Same(original, e.InnerException);
    }

    [Theory]
    [InlineData(11, OrtErrorCode.ExecutionProviderFailure)]
    [InlineData(12, OrtErrorCode.ModelRequiresCompilation)]
    public void Codes_The_Package_Misnames_Keep_Their_C_Meaning(int value, OrtErrorCode expected)
    {
        var e = OrtErrors.Translate(PackageError(value, "provider said no"));

        Assert.Equal(expected, e.Code);
        Assert.EndsWith("provider said no", e.Message);
    }

    [Fact]
    public void A_Real_Refusal_From_The_Package_Is_Translated()
    {
        _ = OnnxRuntimeInfo.Version(); // the library is probed and the environment created, as every caller of ours does first
        Microsoft.ML.OnnxRuntime.OnnxRuntimeException? original = null;
        try
        {
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(new byte[] { 1, 2, 3, 4, 5 });
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            original = e;
        }

        Assert.NotNull(original);
        Assert.Equal(OrtErrorCode.InvalidProtobuf, OrtErrors.Translate(original).Code);
    }

    /// <summary>The package's exception as the package makes it: its only constructor and its code enum are internal.</summary>
    private static PackageException PackageError(int code, string message)
    {
        var codeType = typeof(PackageException).Assembly.GetType("Microsoft.ML.OnnxRuntime.ErrorCode", throwOnError: true)!;
        var ctor = typeof(PackageException).GetConstructor(
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic, [codeType, typeof(string)])!;
        return (PackageException)ctor.Invoke([Enum.ToObject(codeType, code), message]);
    }
}
