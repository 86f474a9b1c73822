using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod.V2;

/// <summary><c>struct gpiod_line_config</c>: which settings apply to which offsets in a request.</summary>
internal sealed unsafe class LineConfig : IDisposable
{
    private LineConfig(LineConfigHandle handle)
    {
        Handle = handle;
    }

    internal LineConfigHandle Handle { get; }

    /// <summary>A config of one line; the settings are copied, so the caller may dispose them.</summary>
    public static LineConfig For(GpiodV2Api api, int offset, LineSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var raw = api.gpiod_line_config_new();
        var errno = Marshal.GetLastSystemError();
        if (raw == 0)
        {
            throw new GpiodException($"libgpiod 2 could not allocate a line config: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
        }

        var config = new LineConfig(new LineConfigHandle(api, raw));
        var line = (uint)offset;
        int rc;
        using (var lineSettings = settings.Handle.Borrow())
        {
            rc = api.gpiod_line_config_add_line_settings(raw, &line, 1, lineSettings.Pointer);
            errno = Marshal.GetLastSystemError();
        }

        if (rc < 0)
        {
            config.Dispose();
            throw new GpiodException($"libgpiod 2 could not configure line {offset}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
        }

        return config;
    }

    /// <summary>A copy of the settings the request will carry for <paramref name="offset"/>; null when it has none.</summary>
    public LineSettings? SettingsOf(int offset)
    {
        using var config = Handle.Borrow();
        var raw = Handle.Api.gpiod_line_config_get_line_settings(config.Pointer, (uint)offset);
        return raw == 0 ? null : LineSettings.Adopt(Handle.Api, raw);
    }

    public void Dispose() => Handle.Dispose();
}
