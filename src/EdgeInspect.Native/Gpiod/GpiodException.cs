using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>A libgpiod call failed. <see cref="Errno"/> is the OS error; the message names the chip or line and the fix.</summary>
public sealed class GpiodException(string message, int errno) : Exception(message)
{
    public int Errno { get; } = errno;

    /// <summary>
    /// The one place a libgpiod return code becomes an exception: rc &lt; 0 throws with errno's text and
    /// <paramref name="what"/> naming the chip and line. Call it right after the P/Invoke, before anything else can
    /// overwrite the last error.
    /// </summary>
    internal static int ThrowIfFailed(int rc, Func<int, string> what)
    {
        if (rc >= 0)
        {
            return rc;
        }

        var errno = Marshal.GetLastPInvokeError();
        throw new GpiodException(what(errno), errno);
    }
}
