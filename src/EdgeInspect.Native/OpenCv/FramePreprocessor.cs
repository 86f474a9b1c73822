using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Models;

namespace EdgeInspect.Native.OpenCv;

/// <summary>
/// A model's input contract applied to frames: ROI crop, bilinear resize (OpenCV INTER_LINEAR, as in training),
/// channel order, scale, mean/std, NCHW, written straight into the caller's tensor buffer. One native call per frame;
/// allocates nothing.
/// </summary>
public sealed unsafe class FramePreprocessor
{
    private readonly InputContract _contract;
    private readonly float[] _mean;
    private readonly float[] _std;

    public FramePreprocessor(InputContract contract)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        _contract = contract;
        _mean = GC.AllocateArray<float>(3, pinned: true);
        _std = GC.AllocateArray<float>(3, pinned: true);
        contract.Mean.CopyTo(_mean);
        contract.Std.CopyTo(_std);
    }

    /// <summary>Floats one input tensor holds (C × H × W).</summary>
    public int ElementCount => _contract.ElementCount;

    /// <summary>Writes the preprocessed frame into <paramref name="tensor"/> (at least <see cref="ElementCount"/> floats).</summary>
    /// <exception cref="OpenCvException">The ROI does not fit the frame (<see cref="CvStatus.InvalidArgument"/>) or the tensor is too small.</exception>
    public void Run(Frame frame, Span<float> tensor)
    {
        var roi = _contract.Roi;
        CvStatus status;
        fixed (byte* pixels = frame.Buffer)
        fixed (float* output = tensor)
        fixed (float* mean = _mean)
        fixed (float* std = _std)
        {
            status = CvNative.eicv_preprocess_nchw(pixels, frame.Width, frame.Height, frame.Stride, roi.X, roi.Y, roi.Width, roi.Height,
                _contract.Width, _contract.Height, _contract.PixelOrder == PixelOrder.Rgb ? 1 : 0, _contract.Scale, mean, std, output, tensor.Length);
        }

        if (status != CvStatus.Ok)
        {
            throw CvCheck.Failure(status, "preprocessing a frame");
        }
    }

    /// <summary>The ROI resized to <paramref name="width"/> × <paramref name="height"/> as BGR bytes, with no
    /// normalisation: the first step of <see cref="Run"/> on its own, so tests can rebuild the rest independently.</summary>
    public static byte[] ResizeRoi(Frame frame, PixelRect roi, int width, int height)
    {
        NativeLibraries.Load(NativeLibraryId.OpenCvShim);
        var output = new byte[width * height * 3];
        CvStatus status;
        fixed (byte* pixels = frame.Buffer)
        fixed (byte* o = output)
        {
            status = CvNative.eicv_resize_roi(pixels, frame.Width, frame.Height, frame.Stride, roi.X, roi.Y, roi.Width, roi.Height, width, height, o, output.Length);
        }

        CvCheck.Ok(status, "resizing a frame's ROI");
        return output;
    }
}
