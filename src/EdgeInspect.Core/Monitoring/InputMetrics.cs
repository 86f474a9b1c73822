namespace EdgeInspect.Core.Monitoring;

/// <summary>The input statistics tracked per frame. The order is the order of the fields in <see cref="InputMetrics"/>.</summary>
public enum InputMetric
{
    /// <summary>Mean luma (BT.601), grey levels 0-255.</summary>
    Brightness,

    /// <summary>RMS contrast: the standard deviation of luma, grey levels.</summary>
    Contrast,

    /// <summary>Variance of the 4-neighbour Laplacian of luma (grey levels squared). Falls sharply when defocused.</summary>
    Sharpness,

    /// <summary>Fraction of pixels whose luma is at or below <see cref="InputMetricsCalculator.DarkClipLuma"/>.</summary>
    DarkClipped,

    /// <summary>Fraction of pixels whose luma is at or above <see cref="InputMetricsCalculator.BrightClipLuma"/>.</summary>
    BrightClipped,

    MeanBlue,
    MeanGreen,
    MeanRed,
}

/// <summary>Input statistics of one frame's region of interest.</summary>
public readonly record struct InputMetrics(
    double Brightness,
    double Contrast,
    double Sharpness,
    double DarkClippedFraction,
    double BrightClippedFraction,
    double MeanBlue,
    double MeanGreen,
    double MeanRed)
{
    public const int Count = 8;

    /// <summary>Every metric, in field order. An array, so a foreach over it allocates no enumerator.</summary>
    public static readonly InputMetric[] All = Enum.GetValues<InputMetric>();

    public double this[InputMetric metric] => metric switch
    {
        InputMetric.Brightness => Brightness,
        InputMetric.Contrast => Contrast,
        InputMetric.Sharpness => Sharpness,
        InputMetric.DarkClipped => DarkClippedFraction,
        InputMetric.BrightClipped => BrightClippedFraction,
        InputMetric.MeanBlue => MeanBlue,
        InputMetric.MeanGreen => MeanGreen,
        InputMetric.MeanRed => MeanRed,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
    };
}

/// <summary>Names used in JSON, MQTT payloads and alert names; stable, do not rename.</summary>
public static class InputMetricNames
{
    public static string Name(this InputMetric metric) => metric switch
    {
        InputMetric.Brightness => "brightness",
        InputMetric.Contrast => "contrast",
        InputMetric.Sharpness => "sharpness",
        InputMetric.DarkClipped => "dark_clipped",
        InputMetric.BrightClipped => "bright_clipped",
        InputMetric.MeanBlue => "mean_blue",
        InputMetric.MeanGreen => "mean_green",
        InputMetric.MeanRed => "mean_red",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
    };

    /// <summary>
    /// The smallest difference in a metric worth a histogram bin: a grey level for means and contrast, one unit of
    /// Laplacian variance, and half a percent of the ROI for clipping (a few hundred pixels, below which clipping is
    /// JPEG ringing on a highlight rather than exposure).
    /// </summary>
    public static double Resolution(this InputMetric metric) => metric switch
    {
        InputMetric.DarkClipped or InputMetric.BrightClipped => 0.005,
        InputMetric.Contrast => 0.5,
        _ => 1,
    };

    public static bool TryParse(string name, out InputMetric metric)
    {
        foreach (var candidate in InputMetrics.All)
        {
            if (candidate.Name() == name)
            {
                metric = candidate;
                return true;
            }
        }

        metric = default;
        return false;
    }
}

/// <summary>A rectangle of the frame, in pixels. The model contract's ROI is where input statistics are computed.</summary>
public readonly record struct RegionOfInterest(int X, int Y, int Width, int Height)
{
    /// <summary>The reference station's ROI (phone-v1 model contract).</summary>
    public static RegionOfInterest ReferenceStation { get; } = new(200, 40, 240, 400);

    public bool FitsIn(int width, int height) =>
        X >= 0 && Y >= 0 && Width >= 3 && Height >= 3 && X + Width <= width && Y + Height <= height;

    public override string ToString() => $"x={X},y={Y},w={Width},h={Height}";
}
