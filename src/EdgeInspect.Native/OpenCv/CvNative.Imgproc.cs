using System.Runtime.InteropServices;

namespace EdgeInspect.Native.OpenCv;

internal static unsafe partial class CvNative
{
    [LibraryImport(Library)]
    public static partial CvStatus eicv_resize_roi(byte* bgr, int width, int height, int stride, int roiX, int roiY, int roiW, int roiH,
        int outW, int outH, byte* output, long capacity);

    [LibraryImport(Library)]
    public static partial CvStatus eicv_preprocess_nchw(byte* bgr, int width, int height, int stride, int roiX, int roiY, int roiW, int roiH,
        int outW, int outH, int swapRb, float scale, float* mean, float* std, float* tensor, long capacity);
}
