using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>A libgpiod call failed. <see cref="Errno"/> is the OS error; the message names the chip or line and the fix.</summary>
public sealed class GpiodException(string message, int errno) : Exception(message)
{
    public int Errno { get; } = errno;

    /// <summary>
    /// The one place a libgpiod 1.6 return code becomes an exception: rc &lt; 0 throws with errno's text and
    /// <paramref name="what"/> naming the chip and line. Call it right after the [LibraryImport] call, before anything
    /// else can overwrite the last error.
    /// </summary>
    internal static int ThrowIfFailed(int rc, Func<int, string> what) =>
        rc >= 0 ? rc : ThrowIfFailed(rc, Marshal.GetLastPInvokeError(), what);

    /// <summary>
    /// The same for libgpiod 2, whose calls go through function pointers: the caller reads errno
    /// (<see cref="Marshal.GetLastSystemError"/>) right after the call, before a SafeHandle release can touch it.
    /// </summary>
    internal static int ThrowIfFailed(int rc, int errno, Func<int, string> what) =>
        rc >= 0 ? rc : throw new GpiodException(what(errno), errno);
}
