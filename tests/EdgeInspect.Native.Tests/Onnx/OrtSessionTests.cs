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
        Assert.Contains("ONNX Runtime error InvalidProtobuf", e.Message);
    }

    [Fact]
    public void Running_With_A_Wrong_Input_Name_Is_An_Exception_Not_A_Crash()
    {
        using var session = OrtSession.Create(OnnxTestModels.Identity("x", "y", 1, 4), OneThread);
        using var input = OrtTensor.Create([1, 4]);
        using var output = OrtTensor.Create([1, 4]);
        using var run = new OrtBoundRun(session, [("not-x", input)], [("y", output)]);

        var e = Assert.Throws<OnnxRuntimeException>(run.Run);

        Assert.Equal(OrtErrorCode.InvalidArgument, e.Code);
    }
}
