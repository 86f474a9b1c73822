namespace EdgeInspect.Core.Frames;

/// <summary>
/// Camera settings as read back from the device after applying the requested ones. A camera may ignore a request,
/// so these values, not the requested ones, travel with every frame. NaN means the backend cannot report it.
/// </summary>
public readonly record struct CameraSettings(
    int Width,
    int Height,
    double Fps,
    double Exposure,
    double Gain,
    bool? AutoExposure)
{
    public static CameraSettings Unknown { get; } = new(0, 0, double.NaN, double.NaN, double.NaN, null);
}
