using EdgeInspect.Native.Onnx;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Native.Tests.Onnx;

[Trait("Category", "Integration")]
public sealed class OrtSessionTests
{
    private static readonly OrtSessionSettings OneThread = new(1, AllowSpinning: false);

    [Fact]
    public void A_Session_Reports_Its_Input_And_Output_Names_Types_And_Shapes()
    {
        using var session = OrtSession.Create(OnnxTestModels.Identity("x", "y", -1, 3, 8, 8), OneThread);

        var input = Assert.Single(session.Inputs);
        var output = Assert.Single(session.Outputs);
        Assert.Equal(("x", "float32"), (input.Name, input.ElementType));
        Assert.Equal([-1L, 3, 8, 8], input.Shape);
        Assert.Equal(("y", "float32"), (output.Name, output.ElementType));
    }

    [Fact]
    public void A_Bound_Run_Writes_Into_The_Preallocated_Output_Tensor()
    {
        using var session = OrtSession.Create(OnnxTestModels.Identity("x", "y", 1, 16), OneThread);
        using var input = OrtTensor.Create([1, 16]);
        using var output = OrtTensor.Create([1, 16]);
        using var run = new OrtBoundRun(session, [("x", input)], [("y", output)]);

        for (var i = 0; i < 16; i++)
        {
            input.Data[i] = i * 0.5f - 3;
        }

        run.Run();

        Assert.Equal(input.Data, output.Data);
    }

    [Fact]
    public void Steady_State_Runs_Allocate_No_Managed_Memory()
    {
        using var session = OrtSession.Create(OnnxTestModels.Identity("x", "y", 1, 4), OneThread);
        using var input = OrtTensor.Create([1, 4]);
        using var output = OrtTensor.Create([1, 4]);
        using var run = new OrtBoundRun(session, [("x", input)], [("y", output)]);
        for (var i = 0; i < 100; i++)
        {
            run.Run();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            run.Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Random_Bytes_Are_Refused_With_Ort_Error_Code_And_Message()
    {
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);

        var e = Assert.Throws<OnnxRuntimeException>(() => OrtSession.Create(garbage, OneThread));

        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.Code);
        Assert.StartsWith("ONNX Runtime error InvalidProtobuf: ", e.Message);
        Assert.Contains("protobuf parsing failed", e.Message);
    }

    [Fact]
    public void Binding_A_Wrong_Input_Name_Fails_At_Binding_With_A_Typed_Code()
    {
        using var session = OrtSession.Create(OnnxTestModels.Identity("x", "y", 1, 4), OneThread);
        using var input = OrtTensor.Create([1, 4]);
        using var output = OrtTensor.Create([1, 4]);

        var e = Assert.Throws<OnnxRuntimeException>(() => new OrtBoundRun(session, [("not-x", input)], [("y", output)]));

        Assert.Equal(OrtErrorCode.Fail, e.Code);
        Assert.Contains("not-x", e.Message);
        Assert.StartsWith("ONNX Runtime error Fail: ", e.Message);
        Assert.DoesNotContain("[ErrorCode:", e.Message);
    }

    [Fact]
    public void A_Wrong_Output_Name_Is_Accepted_At_Binding_And_Refused_At_The_Run()
    {
        // ORT checks only input names when binding; an unknown output name surfaces at the first run.
        using var session = OrtSession.Create(OnnxTestModels.Identity("x", "y", 1, 4), OneThread);
        using var input = OrtTensor.Create([1, 4]);
        using var output = OrtTensor.Create([1, 4]);
        using var run = new OrtBoundRun(session, [("x", input)], [("not-y", output)]);

        var e = Assert.Throws<OnnxRuntimeException>(run.Run);

        Assert.Equal(OrtErrorCode.InvalidArgument, e.Code);
        Assert.Contains("not-y", e.Message);
    }

    [Fact]
    public void A_Run_That_Fails_Inside_Ort_Is_Translated_With_Its_Code()
    {
        // A [1,4] model fed a [1,5] tensor: binding accepts the value, the run refuses its shape.
        using var session = OrtSession.Create(OnnxTestModels.Identity("x", "y", 1, 4), OneThread);
        using var input = OrtTensor.Create([1, 5]);
        using var output = OrtTensor.Create([1, 4]);
        using var run = new OrtBoundRun(session, [("x", input)], [("y", output)]);

        var e = Assert.Throws<OnnxRuntimeException>(run.Run);

        Assert.Equal(OrtErrorCode.InvalidArgument, e.Code);
        Assert.IsType<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(e.InnerException);
    }

    [Fact]
    public void Settings_Reach_The_Session_And_It_Still_Runs_With_Two_Spinning_Threads()
    {
        using var session = OrtSession.Create(OnnxTestModels.Identity("x", "y", 1, 4), new OrtSessionSettings(2, AllowSpinning: true));
        using var input = OrtTensor.Create([1, 4]);
        using var output = OrtTensor.Create([1, 4]);
        using var run = new OrtBoundRun(session, [("x", input)], [("y", output)]);
        input.Data[3] = 42;

        run.Run();

        Assert.Equal(42, output.Data[3]);
    }
}
