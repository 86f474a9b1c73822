using System.Runtime.InteropServices;

namespace EdgeInspect.Native.OpenCv;

/// <summary>The one place a shim status becomes an exception.</summary>
internal static unsafe class CvCheck
{
    /// <summary>Throws <see cref="OpenCvException"/> unless <paramref name="status"/> is <see cref="CvStatus.Ok"/>.</summary>
    public static void Ok(CvStatus status, string operation)
    {
        if (status != CvStatus.Ok)
        {
            throw Failure(status, operation);
        }
    }

    /// <summary>Builds the exception for a failed call from this thread's last shim error.</summary>
    public static OpenCvException Failure(CvStatus status, string operation)
    {
        var detail = LastError();
        return new OpenCvException(status, detail.Length == 0 ? $"{operation} failed: {status}" : $"{operation} failed ({status}): {detail}");
    }

    /// <summary>This thread's last shim error message ("" if the last call succeeded).</summary>
    public static string LastError() => Marshal.PtrToStringUTF8((nint)CvNative.eicv_last_error()) ?? "";
}
