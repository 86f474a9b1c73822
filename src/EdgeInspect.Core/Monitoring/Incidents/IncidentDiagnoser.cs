using System.Globalization;

namespace EdgeInspect.Core.Monitoring.Incidents;

/// <summary>
/// Decides an incident's diagnosis from its members and from the monitor's evidence at that moment: rules in a fixed
/// order, each on a physical quantity (docs/drift.md, "Diagnosis rules"). Pure: the same members and evidence give
/// the same diagnosis.
/// </summary>
/// <remarks>
/// <para>Why rules and not a fitted model: the classes are few and each has a physical signature (a change of light
/// is one gain on every channel, so the chroma ratios stay; defocus removes edge energy that no gain explains; a
/// frozen camera is seen by capture itself). Rules on those signatures carry to lines and scenarios that were never
/// seen, and a supervisor can read why a class was chosen; a classifier trained on a handful of scenario sets would
/// learn those sets.</para>
/// <para>Why the evidence and not only the alert names: detectors fire in an order set by their windows, not by the
/// cause. Under a dim light sharpness (a variance, so the square of the gain) often alerts first; by its name alone it
/// would read as focus. The evidence compares the whole luma family with the chroma ratios and with what the gain
/// explains at the moment of the diagnosis.</para>
/// </remarks>
public static class IncidentDiagnoser
{
    /// <summary>Confidence of a diagnosis taken from capture's own report (frozen stream, camera down).</summary>
    public const double CaptureConfidence = 0.95;

    /// <summary>Confidence of a diagnosis taken from capture's frame flags (most recent frames all-black or saturated).</summary>
    public const double FlagConfidence = 0.9;

    /// <summary>Confidence of a camera fault seen only in the ROI's clipping.</summary>
    public const double ClippingConfidence = 0.8;

    /// <summary>Confidence of a class read from the member alerts' metrics alone, when the evidence did not decide.</summary>
    public const double NamesOnlyConfidence = 0.3;

    /// <summary>Confidence of <see cref="IncidentClass.Unknown"/>.</summary>
    public const double UnknownConfidence = 0.1;

    /// <summary>A camera fault by capture's flags needs most recent frames flagged, not a few (one white part saturates).</summary>
    public const double MostFrames = 0.5;

    /// <param name="members">The incident's members so far.</param>
    /// <param name="evidence">What the monitor sees now; null diagnoses from the members alone.</param>
    /// <param name="options">The rule levels.</param>
    /// <param name="sinceSeq">The frame the incident's first member rose at: the input metrics are read over the
    /// frames since (at least <see cref="IncidentOptions.MinEvidenceFrames"/>); null reads every frame the evidence keeps.</param>
    public static IncidentDiagnosis Diagnose(IReadOnlyList<IncidentMember> members, DriftEvidence? evidence, IncidentOptions options, long? sinceSeq = null)
    {
        var frames = evidence is null ? 0 : sinceSeq is { } since ? (int)Math.Clamp(evidence.LastSeq - since + 1, options.MinEvidenceFrames, int.MaxValue) : int.MaxValue;
        var f = Figures.From(evidence, frames, options);
        var facts = f.ToDictionary();

        // 1. Camera: capture saw it directly, or most frames are flagged or clipped. Nothing else is worth reading then:
        //    a black frame moves every metric and every output.
        if (members.FirstOrDefault(m => m.Family is null) is { } capture)
        {
            return Make(IncidentClass.Camera, CaptureConfidence, $"capture reported {Describe(capture.Metric)}", facts);
        }

        if (members.FirstOrDefault(m => m.Family == DetectorFamily.CameraFault) is { } flagged)
        {
            return Make(IncidentClass.Camera, FlagConfidence,
                $"{Describe(flagged.Metric)}: {Percent(flagged.CurrentValue)} of the last {flagged.WindowFrames} frames", facts);
        }

        if (Math.Max(f.BlackShare, f.SaturatedShare) >= MostFrames)
        {
            var black = f.BlackShare >= f.SaturatedShare;
            return Make(IncidentClass.Camera, FlagConfidence,
                $"{Percent(black ? f.BlackShare : f.SaturatedShare)} of recent frames are {(black ? "all black" : "saturated")}", facts);
        }

        if (Math.Max(f.DarkClipped, f.BrightClipped) >= options.ClippedFraction)
        {
            var dark = f.DarkClipped >= f.BrightClipped;
            return Make(IncidentClass.Camera, ClippingConfidence,
                $"{Percent(dark ? f.DarkClipped : f.BrightClipped)} of the ROI is clipped {(dark ? "black" : "white")} over the last {f.Frames} frames", facts);
        }

        // 2. The inputs moved (by the evidence, beyond chance): which way says what changed.
        if (f.InputMoved > 0)
        {
            if (Inputs(f, options, facts) is { } input)
            {
                return input;
            }
        }

        // 3. The outputs moved while the inputs stayed.
        var outputRatio = Math.Max(f.OutputRatio, MaxRatio(members, IsOutput));
        if (f.InputMoved == 0 && members.Any(m => IsOutput(m.Family)))
        {
            return Make(IncidentClass.Output, Support(Math.Max(outputRatio, 1)) * Against(f.InputShift / options.MovedEffect),
                $"the model's outputs moved ({Strongest(members, IsOutput)}) while every input metric stayed within {Number(f.InputShift)} sd of the baseline", facts);
        }

        // 4. Disagreement rose while inputs and outputs stayed.
        if (f.InputMoved == 0 && members.Any(m => m.Family == DetectorFamily.Concept))
        {
            var conceptRatio = Math.Max(f.ConceptRatio, MaxRatio(members, family => family == DetectorFamily.Concept));
            return Make(IncidentClass.Concept, Support(Math.Max(conceptRatio, 1)) * Against(Math.Max(f.InputShift / options.MovedEffect, outputRatio)),
                $"inspectors disagree with the model more (level {Number(conceptRatio)}× the threshold) while inputs stayed within {Number(f.InputShift)} sd and outputs within {Number(outputRatio)}× their thresholds", facts);
        }

        // 5. Only input alerts, and evidence below every level (a small change one distribution detector saw): go by
        //    what alerted, with a low confidence that any evidenced diagnosis later replaces.
        var inputMembers = members.Where(m => m.Family is DetectorFamily.InputDistribution or DetectorFamily.InputSequential).ToList();
        if (inputMembers.Count > 0)
        {
            var metrics = inputMembers.Select(m => InputMetricNames.TryParse(m.Metric, out var metric) ? metric : (InputMetric?)null).ToList();
            var names = string.Join(", ", inputMembers.Select(m => m.Metric).Distinct());
            var byName = metrics.Any(m => m?.IsChroma() == true) ? IncidentClass.Product
                : metrics.All(m => m == InputMetric.Sharpness) ? IncidentClass.Focus
                : metrics.Any(m => m?.IsLumaLevel() == true) ? IncidentClass.Lighting
                : IncidentClass.Unknown;
            if (byName != IncidentClass.Unknown)
            {
                return Make(byName, NamesOnlyConfidence, $"only the alerts say so: {names} (the evidence over {f.Frames} frames is below every level)", facts);
            }

            return Make(IncidentClass.Unknown, UnknownConfidence, $"inputs moved ({names}) in a way that fits no class: not as a gain, not in colour, not in sharpness", facts);
        }

        return Make(IncidentClass.Unknown, UnknownConfidence,
            f.InputMoved > 0 ? $"inputs moved ({Number(f.InputShift)} sd) in a way that fits no class: not as a gain, not in colour, not in sharpness" : "the member alerts fit no class", facts);
    }

    /// <summary>
    /// The rank of a class when a later diagnosis of the same incident disagrees with an earlier one: a cause seen
    /// directly (camera) outranks the input classes, which outrank their consequences on the outputs, which outrank
    /// disagreement; unknown yields to all.
    /// </summary>
    public static int Rank(IncidentClass value) => value switch
    {
        IncidentClass.Camera => 4,
        IncidentClass.Lighting or IncidentClass.Product or IncidentClass.Focus => 3,
        IncidentClass.Output => 2,
        IncidentClass.Concept => 1,
        _ => 0,
    };

    /// <summary>The recommended action of each class.</summary>
    public static string ActionFor(IncidentClass value) => value switch
    {
        IncidentClass.Lighting => "Check the line lights at this station (lamps, shades, daylight, exposure settings); the model sees a light level it was not trained on.",
        IncidentClass.Product => "Check whether a new product, colour or batch is on the line (or a lamp of another colour); if it is intended, collect samples, re-baseline and retrain.",
        IncidentClass.Focus => "Check the camera's focus and lens: dirt, fog, a knocked lens or vibration; refocus and check the live picture.",
        IncidentClass.Camera => "Check the camera: cable, power, stream and the live picture; frames are frozen, black, saturated or missing.",
        IncidentClass.Output => "Inputs look normal but the model's outputs moved: check the line for a real change in defects upstream, and audit a sample of recent parts by hand.",
        IncidentClass.Concept => "Inspectors and the model disagree more while the images look the same: check whether the defect criteria changed; review the disagreements, relabel and retrain.",
        _ => "Review the member alerts and recent samples; the evidence fits no known cause.",
    };

    /// <summary>The class of an input change, or null when the moved metrics fit none (contrast or clipping alone).</summary>
    private static IncidentDiagnosis? Inputs(Figures f, IncidentOptions options, IReadOnlyDictionary<string, double> facts)
    {
        var chroma = f.ChromaShift / options.MovedEffect;
        var residual = Math.Abs(f.SharpnessResidual) / options.SharpnessResidual;

        // a. The colour moved: light of one colour scales every channel alike and leaves R/G and B/G; a product of
        //    another colour does not.
        if (f.ChromaMoved)
        {
            return Make(IncidentClass.Product, Support(chroma),
                $"the chroma ratios moved ({Number(f.ChromaShift)} sd; R/G {Number(f.RedGreen)}, B/G {Number(f.BlueGreen)} against {Number(f.ReferenceRedGreen)}, {Number(f.ReferenceBlueGreen)})", facts);
        }

        // b. Edge energy changed more than the light explains, and more than the light itself changed.
        if (f.SharpnessMoved && residual >= 1 && Math.Abs(f.SharpnessResidual) > Math.Abs(f.LogGain))
        {
            return Make(IncidentClass.Focus, Support(residual) * Against(Math.Max(chroma, Math.Abs(f.LogGain) / options.SharpnessResidual)),
                $"sharpness moved beyond what the light explains (residual {Number(f.SharpnessResidual)} in log amplitude at a gain of {Number(Math.Exp(f.LogGain))}) while the chroma ratios stayed ({Number(f.ChromaShift)} sd)", facts);
        }

        // c. The luma family moved, as one gain, while the chroma ratios stayed.
        if (f.LumaMoved)
        {
            return Make(IncidentClass.Lighting, Support(f.LumaShift / options.MovedEffect) * Against(Math.Max(chroma, residual)),
                $"the luma family moved together (brightness gain {Number(Math.Exp(f.LogGain))}, {Number(f.LumaShift)} sd) while the chroma ratios stayed ({Number(f.ChromaShift)} sd)", facts);
        }

        return null;
    }

    private static bool IsOutput(DetectorFamily? family) =>
        family is DetectorFamily.ScoreDistribution or DetectorFamily.DefectRate or DetectorFamily.ClassShare or DetectorFamily.DefectRateBand;

    private static double MaxRatio(IReadOnlyList<IncidentMember> members, Func<DetectorFamily?, bool> which)
    {
        var max = 0.0;
        foreach (var m in members)
        {
            if (which(m.Family) && m.Threshold > 0 && double.IsFinite(m.Distance))
            {
                max = Math.Max(max, m.Distance / m.Threshold);
            }
        }

        return max;
    }

    private static string Strongest(IReadOnlyList<IncidentMember> members, Func<DetectorFamily?, bool> which) =>
        members.Where(m => which(m.Family)).MaxBy(m => m.Threshold > 0 ? m.Distance / m.Threshold : 0) is { } m
            ? $"{m.Metric} {Number(m.CurrentValue)} against {Number(m.ReferenceValue)}"
            : "no output alert";

    /// <summary>1 − ½^x: 0.5 at the level (x = 1), 0.75 at twice it, 0.94 at four times.</summary>
    private static double Support(double x) => 1 - Math.Pow(0.5, Math.Max(0, x));

    /// <summary>The evidence for another class, as a fraction of its own level, takes away up to half the confidence.</summary>
    private static double Against(double x) => 1 - (0.5 * Math.Clamp(x, 0, 1));

    private static IncidentDiagnosis Make(IncidentClass value, double confidence, string reason, IReadOnlyDictionary<string, double> evidence) =>
        new(value, Math.Round(Math.Clamp(confidence, 0.05, 0.99), 2), ActionFor(value), $"{value.Name()}: {reason}", evidence);

    private static string Describe(string metric) => metric switch
    {
        "frozen_stream" => "a frozen stream (identical frames)",
        "camera_down" => "the camera down (no frames)",
        "black_frames" => "all-black frames",
        "saturated_frames" => "saturated frames",
        _ => metric,
    };

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Percent(double value) => value.ToString("0%", CultureInfo.InvariantCulture);

    /// <summary>The quantities the rules read, from the evidence over the last <see cref="Frames"/> frames (all 0 without it).</summary>
    private readonly record struct Figures(
        int Frames,
        double LogGain,
        double LumaShift,
        bool LumaMoved,
        double ChromaShift,
        bool ChromaMoved,
        double InputShift,
        double InputMoved,
        double SharpnessResidual,
        bool SharpnessMoved,
        double RedGreen,
        double BlueGreen,
        double ReferenceRedGreen,
        double ReferenceBlueGreen,
        double DarkClipped,
        double BrightClipped,
        double BlackShare,
        double SaturatedShare,
        double OutputRatio,
        double ConceptRatio)
    {
        public static Figures From(DriftEvidence? evidence, int frames, IncidentOptions options)
        {
            if (evidence is null)
            {
                return default;
            }

            double luma = 0, chroma = 0, any = 0, moved = 0;
            bool lumaMoved = false, chromaMoved = false, sharpnessMoved = false;
            var n = 0;
            foreach (var all in evidence.Inputs)
            {
                var shift = evidence.Input(all.Metric, frames)!.Value;
                n = Math.Max(n, shift.Frames);
                var effect = Math.Abs(shift.Effect);

                // Moved: far enough to matter (an effect size) and far enough not to be chance (standard errors).
                var isMoved = effect >= options.MovedEffect && effect * Math.Sqrt(shift.Frames) >= options.EvidenceZ;
                any = Math.Max(any, effect);
                moved = isMoved ? Math.Max(moved, effect) : moved;
                if (shift.Metric.IsLumaLevel())
                {
                    luma = Math.Max(luma, effect);
                    lumaMoved |= isMoved;
                }

                if (shift.Metric.IsChroma())
                {
                    chroma = Math.Max(chroma, effect);
                    chromaMoved |= isMoved;
                }

                sharpnessMoved |= isMoved && shift.Metric == InputMetric.Sharpness;
            }

            var logGain = evidence.Input(InputMetric.Brightness, frames)?.LogRatio ?? 0;

            // Laplacian variance is an amplitude squared: under a gain k it scales by k², so half its log ratio is the
            // gain it saw; what the brightness gain does not explain is focus (or noise).
            var residual = evidence.Input(InputMetric.Sharpness, frames) is { } sharp ? (0.5 * sharp.LogRatio) - logGain : 0;
            var rg = evidence.Input(InputMetric.ChromaRedGreen, frames);
            var bg = evidence.Input(InputMetric.ChromaBlueGreen, frames);
            var outputs = 0.0;
            foreach (var reading in evidence.Outputs)
            {
                outputs = Math.Max(outputs, reading.Ratio);
            }

            return new Figures(
                n, logGain, luma, lumaMoved, chroma, chromaMoved, any, moved, residual, sharpnessMoved,
                rg?.RecentMean ?? double.NaN, bg?.RecentMean ?? double.NaN, rg?.ReferenceMean ?? double.NaN, bg?.ReferenceMean ?? double.NaN,
                evidence.Input(InputMetric.DarkClipped, frames)?.RecentMean ?? 0, evidence.Input(InputMetric.BrightClipped, frames)?.RecentMean ?? 0,
                evidence.BlackFraction, evidence.SaturatedFraction, outputs, evidence.Concept?.Ratio ?? 0);
        }

        public IReadOnlyDictionary<string, double> ToDictionary()
        {
            var facts = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["frames"] = Frames,
                ["gain"] = Math.Round(Math.Exp(LogGain), 4),
                ["luma_shift_sd"] = Math.Round(LumaShift, 3),
                ["chroma_shift_sd"] = Math.Round(ChromaShift, 3),
                ["input_shift_sd"] = Math.Round(InputShift, 3),
                ["sharpness_residual"] = Math.Round(SharpnessResidual, 3),
                ["black_share"] = Math.Round(BlackShare, 3),
                ["saturated_share"] = Math.Round(SaturatedShare, 3),
                ["output_ratio"] = Math.Round(OutputRatio, 3),
                ["concept_ratio"] = Math.Round(ConceptRatio, 3),
            };
            if (double.IsFinite(RedGreen))
            {
                facts["chroma_rg"] = Math.Round(RedGreen, 4);
                facts["chroma_bg"] = Math.Round(BlueGreen, 4);
            }

            return facts;
        }
    }
}
