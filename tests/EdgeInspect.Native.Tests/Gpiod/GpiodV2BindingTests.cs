using EdgeInspect.Native.Gpiod;
using EdgeInspect.Native.Gpiod.V2;

namespace EdgeInspect.Native.Tests.Gpiod;

/// <summary>
/// What the v2 binding asks the kernel for, read back from the real libgpiod 2.2.1's own objects: the request a chip
/// would receive, built and inspected without a chip.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GpiodV2BindingTests
{
    private readonly GpiodV2Api _api = Libgpiod3.Load().V2Api!;

    [Theory]
    [InlineData(GpiodBias.AsIs, GpiodV2Api.BiasAsIs)]
    [InlineData(GpiodBias.Disabled, GpiodV2Api.BiasDisabled)]
    [InlineData(GpiodBias.PullUp, GpiodV2Api.BiasPullUp)]
    [InlineData(GpiodBias.PullDown, GpiodV2Api.BiasPullDown)]
    public void A_Button_Is_Requested_With_Both_Edges_Its_Bias_Active_Low_And_Monotonic_Timestamps_In_One_Request(GpiodBias bias, int expected)
    {
        using var settings = LineSettings.Input(_api, activeLow: true, bias);
        var (request, lines) = GpiodV2Backend.Configs(_api, 17, settings, GpiodV2Backend.KernelEdgeQueue);
        using (request)
        using (lines)
        using (var sent = lines.SettingsOf(17))
        {
            Assert.NotNull(sent);
            Assert.Equal(GpiodV2Api.DirectionInput, sent.Direction);
            Assert.Equal(GpiodV2Api.EdgeBoth, sent.EdgeDetection);
            Assert.Equal(expected, sent.BiasValue); // the pull-up travels with the edge request: nothing re-requests the line
            Assert.True(sent.ActiveLow);
            Assert.Equal(GpiodV2Api.ClockMonotonic, sent.EventClock);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_Output_Is_Requested_Inactive_On_Either_Polarity(bool activeLow)
    {
        using var settings = LineSettings.Output(_api, activeLow);
        var (request, lines) = GpiodV2Backend.Configs(_api, 26, settings, kernelEdgeQueue: 0);
        using (request)
        using (lines)
        using (var sent = lines.SettingsOf(26))
        {
            Assert.NotNull(sent);
            Assert.Equal(GpiodV2Api.DirectionOutput, sent.Direction);
            Assert.Equal(GpiodV2Api.LineValueInactive, sent.OutputValue); // logical: the kernel drives high for active-low
            Assert.Equal(activeLow, sent.ActiveLow);
            Assert.Equal(GpiodV2Api.EdgeNone, sent.EdgeDetection);
        }
    }

    [Fact]
    public void A_Request_Carries_Only_The_Configured_Line()
    {
        using var settings = LineSettings.Input(_api, activeLow: false, GpiodBias.AsIs);
        using var lines = LineConfig.For(_api, 17, settings);

        Assert.Null(lines.SettingsOf(18));
    }

    [Fact]
    public void Requests_Name_Edgeinspect_As_Consumer_And_Keep_64_Edges_In_The_Kernel()
    {
        using var settings = LineSettings.Input(_api, activeLow: true, GpiodBias.PullUp);
        var (request, lines) = GpiodV2Backend.Configs(_api, 17, settings, GpiodV2Backend.KernelEdgeQueue);
        using (request)
        using (lines)
        {
            Assert.Equal("edgeinspect", request.Consumer);
            Assert.Equal(64, request.KernelEdgeQueue);
        }
    }

    [Fact]
    public void An_Edge_Read_Moves_A_Whole_Batch()
    {
        using var buffer = EdgeEventBuffer.Create(_api, GpiodInputLine.ReadBatch);

        Assert.Equal(GpiodInputLine.ReadBatch, buffer.Capacity);
    }

    [Fact]
    public void The_Enum_Values_Are_Those_Of_Gpiod_H_And_The_Library_Accepts_Exactly_Them()
    {
        // gpiod.h 2.2: every enum starts at 1. The setters reject values outside their enum (UNKNOWN is read-only).
        Assert.Equal((1, 2, 3), (GpiodV2Api.DirectionAsIs, GpiodV2Api.DirectionInput, GpiodV2Api.DirectionOutput));
        Assert.Equal((1, 2, 3, 4), (GpiodV2Api.EdgeNone, GpiodV2Api.EdgeRising, GpiodV2Api.EdgeFalling, GpiodV2Api.EdgeBoth));
        Assert.Equal((1, 2, 3, 4, 5), (GpiodV2Api.BiasAsIs, GpiodV2Api.BiasUnknown, GpiodV2Api.BiasDisabled, GpiodV2Api.BiasPullUp, GpiodV2Api.BiasPullDown));
        Assert.Equal((1, 2), (GpiodV2Api.EventRisingEdge, GpiodV2Api.EventFallingEdge));
        using var settings = LineSettings.Input(_api, activeLow: false, GpiodBias.AsIs);
        Assert.Equal([-1, 0, -1, 0, 0, 0, -1], SetterResults(settings, 0, 6, bias: true));
        Assert.Equal([-1, 0, 0, 0, -1], SetterResults(settings, 0, 4, bias: false));
    }

    [Fact]
    public void A_Disposed_Object_Refuses_Use_Instead_Of_Touching_Freed_Memory()
    {
        var buffer = EdgeEventBuffer.Create(_api, 4);
        buffer.Dispose();
        buffer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => buffer.Capacity);
    }

    /// <summary>-1 for each value the real library refuses, 0 for each it takes.</summary>
    private unsafe int[] SetterResults(LineSettings settings, int from, int to, bool bias)
    {
        var results = new List<int>();
        using var raw = settings.Handle.Borrow();
        for (var value = from; value <= to; value++)
        {
            var rc = bias
                ? _api.gpiod_line_settings_set_bias(raw.Pointer, value)
                : _api.gpiod_line_settings_set_direction(raw.Pointer, value);
            results.Add(rc < 0 ? -1 : 0);
        }

        return [.. results];
    }
}
