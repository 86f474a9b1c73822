namespace EdgeInspect.Native.OpenCv;

/// <summary>A shim call failed; <see cref="Status"/> says how, the message says why (the shim's last error).</summary>
public sealed class OpenCvException(CvStatus status, string message) : Exception(message)
{
    public CvStatus Status { get; } = status;
}
