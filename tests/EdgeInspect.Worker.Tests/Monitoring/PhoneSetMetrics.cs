using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Native.OpenCv;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Worker.Tests.Monitoring;

/// <summary>
/// Input metrics of the repository's phone-v1 frames, decoded once per test class with OpenCV (the same decoder the
/// service uses), plus the holdout frames dimmed to 55% and the reference baseline built from the reference set.
/// </summary>
public sealed class PhoneSetMetrics
{
    /// <summary>Test classes in this collection share one decode of the frames.</summary>
    public const string Collection = "phone-v1 input metrics";

    public const double DimGain = 0.55;

    public PhoneSetMetrics()
    {
        var roi = RegionOfInterest.ReferenceStation;
        var dimmed = Frame.CreateUnpooled(640, 480);
        var holdout = new List<InputMetrics>();
        var holdoutDimmed = new List<InputMetrics>();
        var fade = FadeGains.Select(g => (Gain: g, Metrics: new List<InputMetrics>())).ToList();
        var index = 0;
        foreach (var frame in Decode("holdout"))
        {
            holdout.Add(InputMetricsCalculator.Compute(frame, roi));
            Scale(frame, dimmed, DimGain);
            holdoutDimmed.Add(InputMetricsCalculator.Compute(dimmed, roi));

            // Every third frame at each fade level is enough to draw a ramp from, and keeps the fixture quick.
            if (index++ % 3 == 0)
            {
                foreach (var level in fade)
                {
                    Scale(frame, dimmed, level.Gain);
                    level.Metrics.Add(InputMetricsCalculator.Compute(dimmed, roi));
                }
            }
        }

        Fade = fade.Select(l => (l.Gain, (IReadOnlyList<InputMetrics>)l.Metrics)).ToList();

        Holdout = holdout;
        HoldoutDimmed = holdoutDimmed;
        Reference = Decode("reference").Select(f => InputMetricsCalculator.Compute(f, roi)).ToList();
        Dim = Decode("dim").Select(f => InputMetricsCalculator.Compute(f, roi)).ToList();
        Blur = Decode("blur").Select(f => InputMetricsCalculator.Compute(f, roi)).ToList();

        var builder = new DriftBaselineBuilder(roi);
        foreach (var m in Reference)
        {
            builder.Add(m);
        }

        Baseline = builder.Build();
    }

    /// <summary>Gains of the fading-light levels, from full light to dim.</summary>
    public static IReadOnlyList<double> FadeGains { get; } = [1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5];

    public IReadOnlyList<InputMetrics> Holdout { get; }

    /// <summary>Holdout frames scaled to each of <see cref="FadeGains"/>.</summary>
    public IReadOnlyList<(double Gain, IReadOnlyList<InputMetrics> Metrics)> Fade { get; }

    public IReadOnlyList<InputMetrics> HoldoutDimmed { get; }

    public IReadOnlyList<InputMetrics> Reference { get; }

    public IReadOnlyList<InputMetrics> Dim { get; }

    public IReadOnlyList<InputMetrics> Blur { get; }

    public DriftBaseline Baseline { get; }

    public static IEnumerable<Frame> Decode(string set) =>
        Directory.GetFiles(Path.Combine(RepoPaths.PhoneSet(set), "frames"), "*.jpg")
            .Order(StringComparer.Ordinal)
            .Select(CvImage.Read);

    /// <summary>A lighting change: every pixel times <paramref name="gain"/>, rounded, as a global camera gain would.</summary>
    public static void Scale(Frame source, Frame target, double gain)
    {
        target.SetGeometry(source.Width, source.Height, source.Stride);
        Span<byte> table = stackalloc byte[256];
        for (var v = 0; v < 256; v++)
        {
            table[v] = (byte)Math.Min(255, Math.Round(v * gain));
        }

        var from = source.Pixels;
        var to = target.Pixels;
        for (var i = 0; i < from.Length; i++)
        {
            to[i] = table[from[i]];
        }
    }
}

[CollectionDefinition(PhoneSetMetrics.Collection)]
public sealed class PhoneSetMetricsCollection : ICollectionFixture<PhoneSetMetrics>;
