using EdgeInspect.Core.Models;

namespace EdgeInspect.Worker.Tests.Performance;

/// <summary>ORT's thread count and spinning come from the cores the station has, unless the station file says otherwise.</summary>
public sealed class ThreadChoiceTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(4, 3)]
    [InlineData(8, 4)]
    [InlineData(64, 4)]
    public void Intra_Op_Threads_Leave_One_Core_For_Capture_And_Bookkeeping_Up_To_Four(int cores, int expected)
    {
        Assert.Equal(expected, InferenceOptions.ChooseIntraOpThreads(cores));
        Assert.Equal(expected, new InferenceOptions().ResolvedIntraOpThreads(cores));
    }

    [Fact]
    public void An_Explicit_Thread_Count_Wins_Over_The_Choice()
    {
        Assert.Equal(2, new InferenceOptions { IntraOpThreads = 2 }.ResolvedIntraOpThreads(8));
    }

    [Theory]
    [InlineData(2, 1, false)]
    [InlineData(2, 2, false)]
    [InlineData(4, 3, false)]
    [InlineData(8, 4, true)]
    public void Threads_Spin_Only_With_A_Spare_Core_Beyond_Ort_And_The_Station(int cores, int threads, bool expected)
    {
        Assert.Equal(expected, new InferenceOptions().ResolvedAllowSpinning(cores, threads));
        Assert.True(new InferenceOptions { AllowSpinning = true }.ResolvedAllowSpinning(cores, threads));
    }
}
