using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod.V2;

/// <summary>
/// <c>struct gpiod_line_settings</c>: direction, edges, bias, polarity, event clock and output value of a line, all sent
/// to the kernel in one request. That is what keeps a pull-up while edges are requested, and an output inactive from
/// the first instant.
/// </summary>
internal sealed unsafe class LineSettings : IDisposable
{
    private LineSettings(LineSettingsHandle handle)
    {
        Handle = handle;
    }

    internal LineSettingsHandle Handle { get; }

    /// <summary>An input with both edges, <paramref name="bias"/>, polarity, and kernel timestamps on CLOCK_MONOTONIC (the station clock).</summary>
    public static LineSettings Input(GpiodV2Api api, bool activeLow, GpiodBias bias)
    {
        var settings = New(api);
        try
        {
            settings.Set(api.gpiod_line_settings_set_direction, GpiodV2Api.DirectionInput, "direction input");
            settings.Set(api.gpiod_line_settings_set_edge_detection, GpiodV2Api.EdgeBoth, "both edges");
            settings.Set(api.gpiod_line_settings_set_bias, Bias(bias), $"bias {bias}");
            settings.SetActiveLow(activeLow);
            settings.Set(api.gpiod_line_settings_set_event_clock, GpiodV2Api.ClockMonotonic, "monotonic event clock");
            return settings;
        }
        catch
        {
            settings.Dispose();
            throw;
        }
    }

    /// <summary>An output whose first level is inactive: the value is logical, so this holds for either polarity.</summary>
    public static LineSettings Output(GpiodV2Api api, bool activeLow)
    {
        var settings = New(api);
        try
        {
            settings.Set(api.gpiod_line_settings_set_direction, GpiodV2Api.DirectionOutput, "direction output");
            settings.SetActiveLow(activeLow);
            settings.Set(api.gpiod_line_settings_set_output_value, GpiodV2Api.LineValueInactive, "output value inactive");
            return settings;
        }
        catch
        {
            settings.Dispose();
            throw;
        }
    }

    /// <summary>Wraps settings the library allocated (a copy read back from a line config).</summary>
    internal static LineSettings Adopt(GpiodV2Api api, nint raw) => new(new LineSettingsHandle(api, raw));

    internal static int Bias(GpiodBias bias) => bias switch
    {
        GpiodBias.Disabled => GpiodV2Api.BiasDisabled,
        GpiodBias.PullUp => GpiodV2Api.BiasPullUp,
        GpiodBias.PullDown => GpiodV2Api.BiasPullDown,
        _ => GpiodV2Api.BiasAsIs,
    };

    public int Direction => Get(Handle.Api.gpiod_line_settings_get_direction);

    public int EdgeDetection => Get(Handle.Api.gpiod_line_settings_get_edge_detection);

    public int BiasValue => Get(Handle.Api.gpiod_line_settings_get_bias);

    public int EventClock => Get(Handle.Api.gpiod_line_settings_get_event_clock);

    public int OutputValue => Get(Handle.Api.gpiod_line_settings_get_output_value);

    public bool ActiveLow
    {
        get
        {
            using var settings = Handle.Borrow();
            return Handle.Api.gpiod_line_settings_get_active_low(settings.Pointer) != 0;
        }
    }

    public void Dispose() => Handle.Dispose();

    private static LineSettings New(GpiodV2Api api)
    {
        var raw = api.gpiod_line_settings_new();
        var errno = Marshal.GetLastSystemError();
        return raw == 0
            ? throw new GpiodException($"libgpiod 2 could not allocate line settings: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno)
            : new LineSettings(new LineSettingsHandle(api, raw));
    }

    private void Set(delegate* unmanaged<nint, int, int> setter, int value, string what)
    {
        using var settings = Handle.Borrow();
        if (setter(settings.Pointer, value) < 0)
        {
            // The setters reject only values outside their enum, and set no errno: a binding bug, not an OS error.
            throw new GpiodException($"libgpiod 2 refused the line setting '{what}' (value {value}).", GpiodErrors.EINVAL);
        }
    }

    private void SetActiveLow(bool activeLow)
    {
        using var settings = Handle.Borrow();
        Handle.Api.gpiod_line_settings_set_active_low(settings.Pointer, activeLow ? (byte)1 : (byte)0);
    }

    private int Get(delegate* unmanaged<nint, int> getter)
    {
        using var settings = Handle.Borrow();
        return getter(settings.Pointer);
    }
}
