using Microsoft.Win32.SafeHandles;

namespace EdgeInspect.Native.OpenCv;

/// <summary>Owns one <c>eicv_capture*</c> (a cv::VideoCapture); releasing it closes the device, stream or file.</summary>
internal sealed class CaptureSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public CaptureSafeHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        CvNative.eicv_capture_close(handle);
        return true;
    }
}

/// <summary>Owns one <c>eicv_writer*</c> (a cv::VideoWriter); releasing it writes the file's trailer.</summary>
internal sealed class WriterSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public WriterSafeHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        CvNative.eicv_writer_close(handle);
        return true;
    }
}
