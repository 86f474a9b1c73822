namespace EdgeInspect.Core.Monitoring;

/// <summary>
/// Where one input metric stands: the mean of the last frames against the baseline, with the scale that says how far
/// that is.
/// </summary>
/// <param name="Metric">The metric.</param>
/// <param name="RecentMean">Mean over the last <paramref name="Frames"/> frames.</param>
/// <param name="ReferenceMean">The baseline's mean.</param>
/// <param name="Scale">The baseline's standard deviation, floored at the metric's resolution (the smallest meaningful difference).</param>
/// <param name="Frames">How many frames the recent mean covers.</param>
public readonly record struct MetricShift(InputMetric Metric, double RecentMean, double ReferenceMean, double Scale, int Frames)
{
    /// <summary>
    /// The shift in reference standard deviations of a single frame (an effect size, not a test statistic): 1 means the
    /// recent frames sit, on average, one frame-to-frame spread of the reference away from its mean.
    /// </summary>
    public double Effect => Frames == 0 || !(Scale > 0) ? 0 : (RecentMean - ReferenceMean) / Scale;

    /// <summary>ln(recent / reference), the shift as a gain; 0 when either is not positive.</summary>
    public double LogRatio => RecentMean > 0 && ReferenceMean > 0 ? Math.Log(RecentMean / ReferenceMean) : 0;
}

/// <summary>One detector's current reading against its threshold.</summary>
/// <param name="Name">The alert name.</param>
/// <param name="Family">What kind of detector.</param>
/// <param name="Reading">The value compared with the threshold.</param>
/// <param name="Threshold">The threshold in force.</param>
public readonly record struct DetectorReading(string Name, DetectorFamily Family, double Reading, double Threshold)
{
    /// <summary>Reading over threshold: above 1 is a breach.</summary>
    public double Ratio => Threshold > 0 && double.IsFinite(Reading) ? Reading / Threshold : 0;
}

/// <summary>
/// What the monitor sees now, beyond which alerts are raised: every input metric's recent shift, the share of black
/// and saturated frames, and the output and concept detectors' readings. Taken when an alert changes, so an incident
/// can be diagnosed from the metrics themselves (the luma family against the chroma ratios, say) and not only from
/// which alerts happened to fire first.
/// </summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Frames">Frames the monitor has seen.</param>
/// <param name="LastSeq">Sequence number of the last frame seen.</param>
/// <param name="Inputs">One shift per input metric the baseline has, over all the recent frames kept.</param>
/// <param name="BlackFraction">Share of all-black frames among the recent ones (0 when frames came without capture's flags).</param>
/// <param name="SaturatedFraction">Share of saturated frames among the recent ones.</param>
/// <param name="Outputs">The score distribution, defect rate, class share and defect band readings the monitor has.</param>
/// <param name="Concept">The disagreement detector's reading, once it has enough verdicts.</param>
public sealed record DriftEvidence(
    string CameraId,
    long Frames,
    long LastSeq,
    IReadOnlyList<MetricShift> Inputs,
    double BlackFraction,
    double SaturatedFraction,
    IReadOnlyList<DetectorReading> Outputs,
    DetectorReading? Concept)
{
    /// <summary>
    /// The recent frames' metrics, oldest first, <see cref="InputMetrics.Count"/> values per frame in
    /// <see cref="InputMetric"/> order; null when the evidence carries only the summary shifts.
    /// </summary>
    public IReadOnlyList<double>? Recent { get; init; }

    /// <summary>The shift of one metric over all recent frames, or null when the baseline has none for it.</summary>
    public MetricShift? Input(InputMetric metric)
    {
        foreach (var shift in Inputs)
        {
            if (shift.Metric == metric)
            {
                return shift;
            }
        }

        return null;
    }

    /// <summary>
    /// The shift of one metric over the last <paramref name="frames"/> frames only (all kept frames when fewer are
    /// kept, or when <see cref="Recent"/> is absent), so a change that began a few frames ago is not diluted by the
    /// frames before it.
    /// </summary>
    public MetricShift? Input(InputMetric metric, int frames)
    {
        if (Input(metric) is not { } all || Recent is not { } recent)
        {
            return Input(metric);
        }

        var kept = recent.Count / InputMetrics.Count;
        if (kept == 0)
        {
            return all;
        }

        var n = Math.Clamp(frames, 1, kept);
        if (n == all.Frames)
        {
            return all;
        }

        double sum = 0;
        for (var i = kept - n; i < kept; i++)
        {
            sum += recent[(i * InputMetrics.Count) + (int)metric];
        }

        return all with { RecentMean = sum / n, Frames = n };
    }
}
