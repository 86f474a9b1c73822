using System.Runtime.InteropServices;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Native.Gpiod;

namespace EdgeInspect.Native.Tests.Gpiod;

/// <summary>libgpiod 1.6 binding facts that need no device: struct layouts, flag bits, the bias mapping.</summary>
public sealed class GpiodV1BindingTests
{
    [Fact]
    public void Timespec_And_Line_Event_Match_The_C_Layout_For_This_Process()
    {
        // struct timespec { time_t; long; } is two C longs; struct gpiod_line_event adds an int, padded to a long.
        Assert.Equal(2 * IntPtr.Size, Marshal.SizeOf<GpiodNative.Timespec>());
        Assert.Equal(3 * IntPtr.Size, Marshal.SizeOf<GpiodNative.LineEvent>());
        Assert.Equal(2 * IntPtr.Size, (int)Marshal.OffsetOf<GpiodNative.LineEvent>(nameof(GpiodNative.LineEvent.EventType)));
    }

    [Fact]
    public void Request_Flags_Are_The_Bits_Of_Gpiod_H()
    {
        Assert.Equal(1 << 2, (int)GpiodNative.RequestFlags.ActiveLow);
        Assert.Equal(1 << 3, (int)GpiodNative.RequestFlags.BiasDisable);
        Assert.Equal(1 << 4, (int)GpiodNative.RequestFlags.BiasPullDown);
        Assert.Equal(1 << 5, (int)GpiodNative.RequestFlags.BiasPullUp);
    }

    [Theory]
    [InlineData(LineBias.AsIs, GpiodBias.AsIs)]
    [InlineData(LineBias.Disabled, GpiodBias.Disabled)]
    [InlineData(LineBias.PullUp, GpiodBias.PullUp)]
    [InlineData(LineBias.PullDown, GpiodBias.PullDown)]
    public void Every_Configured_Bias_Maps_To_Its_Libgpiod_Flag(LineBias configured, GpiodBias requested)
    {
        Assert.Equal(requested, GpiodBackend.Bias(configured));
    }
}
