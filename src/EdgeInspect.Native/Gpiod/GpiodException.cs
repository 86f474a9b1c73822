namespace EdgeInspect.Native.Gpiod;

/// <summary>A libgpiod call failed. <see cref="Errno"/> is the OS error; the message names the chip or line and the fix.</summary>
public sealed class GpiodException(string message, int errno) : Exception(message)
{
    public int Errno { get; } = errno;
}
