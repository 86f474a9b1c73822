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

    /// <summary>
    /// Red over green: the ratio of the ROI's channel sums. A change of light scales every channel alike and leaves it;
    /// a product of another colour moves it.
    /// </summary>
    ChromaRedGreen,

    /// <summary>Blue over green: the ratio of the ROI's channel sums (see <see cref="ChromaRedGreen"/>).</summary>
    ChromaBlueGreen,
}

/// <summary>Input statistics of one frame's region of interest.</summary>
/// <remarks>
/// The chroma ratios are not fields: they are ratios of the channel sums the one pass of
/// <see cref="InputMetricsCalculator"/> already took (the channel means), so they cost a division when read and leave
/// the positional constructor as it was.
/// </remarks>
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
    public const int Count = 10;

    /// <summary>Below this mean green level (an all-black ROI) a ratio carries no colour; it reads as neutral (1).</summary>
    public const double MinimumChromaLevel = 0.5;

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
        InputMetric.ChromaRedGreen => ChromaRedGreen,
        InputMetric.ChromaBlueGreen => ChromaBlueGreen,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
    };

    /// <summary>R/G of the ROI (ratio of channel sums); 1 for an all-black ROI.</summary>
    public double ChromaRedGreen => MeanGreen >= MinimumChromaLevel ? MeanRed / MeanGreen : 1;

    /// <summary>B/G of the ROI (ratio of channel sums); 1 for an all-black ROI.</summary>
    public double ChromaBlueGreen => MeanGreen >= MinimumChromaLevel ? MeanBlue / MeanGreen : 1;
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
        InputMetric.ChromaRedGreen => "chroma_rg",
        InputMetric.ChromaBlueGreen => "chroma_bg",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
    };

    /// <summary>
    /// The smallest difference in a metric worth a histogram bin: a grey level for means and contrast, one unit of
    /// Laplacian variance, half a percent of the ROI for clipping (a few hundred pixels, below which clipping is
    /// JPEG ringing on a highlight rather than exposure), and one percent for a chroma ratio (a grey level of the
    /// smaller channel at mid-grey).
    /// </summary>
    /// <remarks>
    /// It is also the metric's smallest meaningful scale: a reference whose spread is below it (a clipping fraction that
    /// is 0 on every reference frame) is given this as its standard deviation, so that a change smaller than anything
    /// that means something cannot count as many standard deviations.
    /// </remarks>
    public static double Resolution(this InputMetric metric) => metric switch
    {
        InputMetric.DarkClipped or InputMetric.BrightClipped => 0.005,
        InputMetric.ChromaRedGreen or InputMetric.ChromaBlueGreen => 0.01,
        InputMetric.Contrast => 0.5,
        _ => 1,
    };

    /// <summary>
    /// The metrics that a change of light moves together (level of luma and of each channel); contrast and sharpness
    /// move with the light too, but also with focus and glare, so the diagnosis judges them apart.
    /// </summary>
    public static bool IsLumaLevel(this InputMetric metric) =>
        metric is InputMetric.Brightness or InputMetric.MeanBlue or InputMetric.MeanGreen or InputMetric.MeanRed;

    /// <summary>The ratios a change of light leaves alone.</summary>
    public static bool IsChroma(this InputMetric metric) => metric is InputMetric.ChromaRedGreen or InputMetric.ChromaBlueGreen;

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
