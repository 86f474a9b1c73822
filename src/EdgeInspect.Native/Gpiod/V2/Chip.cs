using System.Runtime.InteropServices;
using System.Text;

namespace EdgeInspect.Native.Gpiod.V2;

/// <summary>An open GPIO chip (/dev/gpiochipN) through libgpiod 2: <c>struct gpiod_chip</c>.</summary>
/// <remarks>Disposing the chip leaves its line requests working; each request is released on its own.</remarks>
internal sealed unsafe class Chip : IDisposable
{
    private readonly ChipHandle _handle;

    private Chip(string name, ChipHandle handle)
    {
        Name = name;
        _handle = handle;
    }

    public string Name { get; }

    /// <summary>Opens a chip by name, "gpiochip0" opening /dev/gpiochip0, as libgpiod 1.6's gpiod_chip_open_by_name does.</summary>
    /// <param name="api">The libgpiod 2 the chip is opened through.</param>
    /// <param name="name">The chip, e.g. "gpiochip0".</param>
    /// <param name="forLine">What the chip is opened for, named in the error, e.g. "line 17 (inspector 'left' pass button)".</param>
    /// <exception cref="GpiodException">The chip does not exist, is not a GPIO chip, or access is denied.</exception>
    public static Chip Open(GpiodV2Api api, string name, string? forLine)
    {
        nint raw;
        int errno;
        fixed (byte* path = Utf8($"/dev/{name}"))
        {
            raw = api.gpiod_chip_open(path);
            errno = Marshal.GetLastSystemError();
        }

        if (raw == 0)
        {
            throw new GpiodException(GpiodErrors.V2.ChipOpenFailed(name, errno, forLine), errno);
        }

        return new Chip(name, new ChipHandle(api, raw));
    }

    /// <summary>The number of lines, from the chip's info.</summary>
    public int LineCount()
    {
        var api = _handle.Api;
        nint raw;
        int errno;
        using (var chip = _handle.Borrow())
        {
            raw = api.gpiod_chip_get_info(chip.Pointer);
            errno = Marshal.GetLastSystemError();
        }

        if (raw == 0)
        {
            throw new GpiodException(GpiodErrors.V2.ChipInfoFailed(Name, errno), errno);
        }

        using var info = new ChipInfoHandle(api, raw);
        return (int)api.gpiod_chip_info_get_num_lines(raw);
    }

    /// <summary>Requests one line with the settings in <paramref name="lines"/>, all applied by the kernel in the one request.</summary>
    /// <exception cref="GpiodException">No such line, the line is busy, or the kernel refused the settings; the message says which and the fix.</exception>
    public LineRequest Request(int offset, string purpose, RequestConfig request, LineConfig lines)
    {
        var count = LineCount();
        if (offset >= count)
        {
            // The kernel would say EINVAL; say which lines exist instead, as the v1 binding does.
            throw new GpiodException(GpiodErrors.V2.LineMissing(Name, offset, (uint)count, purpose, GpiodErrors.EINVAL), GpiodErrors.EINVAL);
        }

        var api = _handle.Api;
        nint raw;
        int errno;
        using (var chip = _handle.Borrow())
        using (var requestConfig = request.Handle.Borrow())
        using (var lineConfig = lines.Handle.Borrow())
        {
            raw = api.gpiod_chip_request_lines(chip.Pointer, requestConfig.Pointer, lineConfig.Pointer);
            errno = Marshal.GetLastSystemError();
        }

        if (raw == 0)
        {
            throw new GpiodException(GpiodErrors.V2.RequestFailed(Name, offset, purpose, errno), errno);
        }

        return new LineRequest(Name, offset, purpose, new LineRequestHandle(api, raw));
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>A NUL-terminated UTF-8 copy for a <c>const char*</c> argument.</summary>
    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");
}
