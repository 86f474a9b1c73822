using System.Text.Json.Nodes;
using EdgeInspect.Core.Monitoring;
using EdgeInspect.Core.Monitoring.Incidents;
using EdgeInspect.Tests.Shared;

namespace EdgeInspect.Core.Tests.Monitoring;

/// <summary>
/// The diagnosis rules on evidence written by hand against the reference package's baseline: what each physical
/// change does to the metrics, and the class the rules give it.
/// </summary>
public sealed class IncidentDiagnoserTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
    private static readonly IncidentOptions Options = new();

    private static readonly Lazy<DriftBaseline> Reference = new(() =>
    {
        var manifest = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Models, "reference", "model.json")))!;
        return DriftBaseline.FromJson((JsonObject)manifest[DriftBaseline.ManifestProperty]!);
    });

    [Fact]
    public void Light_At_55_Percent_Is_Lighting_Because_The_Chroma_Ratios_Stayed()
    {
        var evidence = Evidence(Gain(0.55));

        var d = IncidentDiagnoser.Diagnose([Member("brightness")], evidence, Options);

        Assert.Equal(IncidentClass.Lighting, d.Class);
        Assert.True(d.Confidence > 0.7, $"confidence {d.Confidence}");
        Assert.Equal(0.55, d.Evidence["gain"], 2);
        Assert.Contains("lights", d.Action);
    }

    [Fact]
    public void Under_A_Dim_Light_Sharpness_Alerting_First_Still_Reads_As_Lighting_Not_Focus()
    {
        // Sharpness is a variance: at a gain of 0.7 it falls to 0.49 and often alerts before brightness does.
        var d = IncidentDiagnoser.Diagnose([Member("sharpness", DetectorFamily.InputSequential)], Evidence(Gain(0.7)), Options);

        Assert.Equal(IncidentClass.Lighting, d.Class);
        Assert.Equal(0, d.Evidence["sharpness_residual"], 2);
    }

    [Fact]
    public void A_Darker_Product_Of_Another_Colour_Is_A_Product_Change_Where_Brightness_Alone_Would_Say_Lighting()
    {
        // Red covers: red up, green and blue down by a third. Brightness falls about as under a dim light; R/G does not stay.
        var evidence = Evidence(m => m switch
        {
            InputMetric.MeanRed => 1.1,
            InputMetric.MeanGreen or InputMetric.MeanBlue or InputMetric.Brightness => 0.65,
            InputMetric.ChromaRedGreen => 1.1 / 0.65,
            _ => 1,
        });

        var d = IncidentDiagnoser.Diagnose([Member("brightness"), Member("mean_green")], evidence, Options);

        Assert.Equal(IncidentClass.Product, d.Class);
        Assert.True(d.Evidence["chroma_shift_sd"] > 1);
    }

    [Fact]
    public void Sharpness_Falling_At_Constant_Light_Is_Focus()
    {
        var d = IncidentDiagnoser.Diagnose([Member("sharpness")], Evidence(m => m == InputMetric.Sharpness ? 0.14 : 1), Options);

        Assert.Equal(IncidentClass.Focus, d.Class);
        Assert.True(d.Evidence["sharpness_residual"] < -0.9);
        Assert.Contains("focus", d.Action);
    }

    [Fact]
    public void Black_Or_Saturated_Frames_Or_A_Clipped_Roi_Are_A_Camera_Fault_Before_Anything_Else()
    {
        var members = new[] { Member("brightness"), Member("class_share", DetectorFamily.ClassShare) };

        Assert.Equal(IncidentClass.Camera, IncidentDiagnoser.Diagnose(members, Evidence(Gain(0.02)) with { BlackFraction = 0.8 }, Options).Class);
        Assert.Equal(IncidentClass.Camera, IncidentDiagnoser.Diagnose(members, Evidence(Gain(1)) with { SaturatedFraction = 0.6 }, Options).Class);
        var clipped = Evidence(m => m == InputMetric.BrightClipped ? 0.95 / Reference.Value.Inputs[InputMetric.BrightClipped].Mean : 1);
        Assert.Equal(IncidentClass.Camera, IncidentDiagnoser.Diagnose(members, clipped, Options).Class);
        Assert.Equal(IncidentDiagnoser.ClippingConfidence, IncidentDiagnoser.Diagnose(members, clipped, Options).Confidence);
    }

    [Fact]
    public void Outputs_Moving_While_Inputs_Stay_Are_Output_Drift_And_With_Moved_Inputs_The_Input_Cause_Wins()
    {
        var members = new[] { Member("class_share", DetectorFamily.ClassShare, distance: 0.3, threshold: 0.1) };

        var stayed = IncidentDiagnoser.Diagnose(members, Evidence(Gain(1)), Options);
        var dimmed = IncidentDiagnoser.Diagnose(members, Evidence(Gain(0.5)), Options);

        Assert.Equal(IncidentClass.Output, stayed.Class);
        Assert.True(stayed.Confidence > 0.8, $"confidence {stayed.Confidence}");
        Assert.Equal(IncidentClass.Lighting, dimmed.Class);
    }

    [Fact]
    public void Disagreement_Rising_While_Inputs_And_Outputs_Stay_Is_Concept_Drift()
    {
        var d = IncidentDiagnoser.Diagnose([Member("disagreement", DetectorFamily.Concept, distance: 6, threshold: 4)], Evidence(Gain(1)), Options);

        Assert.Equal(IncidentClass.Concept, d.Class);
        Assert.Contains("criteria", d.Action);
    }

    [Fact]
    public void A_Shift_Counts_Only_When_It_Is_Beyond_Chance_For_The_Frames_It_Covers()
    {
        // 0.6 sd of brightness: 3 standard errors over 25 frames (not moved), 6 over 100 (moved).
        var reference = Reference.Value.Inputs[InputMetric.Brightness];
        double Ratio(InputMetric m) => m.IsLumaLevel() ? 1 - (0.6 * Reference.Value.Inputs[m].Std / Reference.Value.Inputs[m].Mean) : 1;
        var members = new[] { Member("disagreement", DetectorFamily.Concept, distance: 6, threshold: 4) };

        Assert.Equal(IncidentClass.Concept, IncidentDiagnoser.Diagnose(members, Evidence(Ratio, frames: 25), Options).Class);
        Assert.Equal(IncidentClass.Lighting, IncidentDiagnoser.Diagnose(members, Evidence(Ratio, frames: 100), Options).Class);
        Assert.True(reference.Std > 1);
    }

    [Fact]
    public void Input_Alerts_With_Evidence_Below_Every_Level_Go_By_Their_Names_With_A_Low_Confidence()
    {
        var lighting = IncidentDiagnoser.Diagnose([Member("mean_blue")], Evidence(Gain(1)), Options);
        var focus = IncidentDiagnoser.Diagnose([Member("sharpness")], Evidence(Gain(1)), Options);
        var product = IncidentDiagnoser.Diagnose([Member("chroma_rg", DetectorFamily.InputSequential)], null, Options);

        Assert.Equal((IncidentClass.Lighting, IncidentDiagnoser.NamesOnlyConfidence), (lighting.Class, lighting.Confidence));
        Assert.Equal(IncidentClass.Focus, focus.Class);
        Assert.Equal(IncidentClass.Product, product.Class);
    }

    [Fact]
    public void Contrast_Alone_Moving_Fits_No_Class()
    {
        var d = IncidentDiagnoser.Diagnose([Member("contrast")], Evidence(m => m == InputMetric.Contrast ? 0.4 : 1), Options);

        Assert.Equal(IncidentClass.Unknown, d.Class);
        Assert.Equal(IncidentDiagnoser.UnknownConfidence, d.Confidence);
    }

    [Fact]
    public void The_Frames_Since_The_Incident_Began_Are_Read_Not_The_Older_Ones()
    {
        // 100 frames kept: 80 ordinary, then 20 at half light. Over all 100 the shift is diluted; since the first
        // member rose (20 frames ago, read as the minimum of 25) it is clear.
        var baseline = Reference.Value;
        var recent = new List<double>();
        for (var i = 0; i < 100; i++)
        {
            var gain = i < 80 ? 1 : 0.5;
            foreach (var metric in InputMetrics.All)
            {
                var mean = baseline.Inputs[metric].Mean;
                recent.Add(metric.IsChroma() || metric is InputMetric.DarkClipped or InputMetric.BrightClipped ? mean
                    : metric == InputMetric.Sharpness ? mean * gain * gain : mean * gain);
            }
        }

        var evidence = Evidence(Gain(0.9)) with { Recent = recent, LastSeq = 1000 };
        var members = new[] { Member("brightness") };

        var since = IncidentDiagnoser.Diagnose(members, evidence, Options, sinceSeq: 981);

        Assert.Equal(IncidentClass.Lighting, since.Class);
        Assert.Equal(25, since.Evidence["frames"]);
        Assert.InRange(since.Evidence["gain"], 0.55, 0.65);
        Assert.Equal(100, IncidentDiagnoser.Diagnose(members, evidence, Options).Evidence["frames"]);
    }

    [Fact]
    public void The_Same_Members_And_Evidence_Give_The_Same_Diagnosis()
    {
        var a = IncidentDiagnoser.Diagnose([Member("brightness")], Evidence(Gain(0.6)), Options);
        var b = IncidentDiagnoser.Diagnose([Member("brightness")], Evidence(Gain(0.6)), Options);

        Assert.Equal((a.Class, a.Confidence, a.Reason), (b.Class, b.Confidence, b.Reason));
        Assert.Equal(a.Evidence, b.Evidence);
        Assert.All(Enum.GetValues<IncidentClass>(), c => Assert.False(string.IsNullOrWhiteSpace(IncidentDiagnoser.ActionFor(c))));
    }

    /// <summary>A pure gain: every level and contrast × g, sharpness × g², ratios and clipping unchanged.</summary>
    private static Func<InputMetric, double> Gain(double g) => m => m switch
    {
        InputMetric.Sharpness => g * g,
        InputMetric.ChromaRedGreen or InputMetric.ChromaBlueGreen or InputMetric.DarkClipped or InputMetric.BrightClipped => 1,
        _ => g,
    };

    private static DriftEvidence Evidence(Func<InputMetric, double> ratio, int frames = 100)
    {
        var baseline = Reference.Value;
        var inputs = InputMetrics.All.Select(m =>
        {
            var reference = baseline.Inputs[m];
            return new MetricShift(m, reference.Mean * ratio(m), reference.Mean, Math.Max(reference.Std, m.Resolution()), frames);
        }).ToList();
        return new DriftEvidence("cam1", 2000, 2000, inputs, 0, 0, [], null);
    }

    private static IncidentMember Member(string metric, DetectorFamily family = DetectorFamily.InputDistribution, double distance = 0.3, double threshold = 0.1) =>
        new($"cam1.{metric}", family, metric, AlertState.Alert, T0, 1000, null, 1, 2, distance, threshold, 400, DriftKind.Unclassified);
}
