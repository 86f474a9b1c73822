using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Core.Tests.Monitoring;

public sealed class DriftDetectorTests
{
    [Fact]
    public void Jensen_Shannon_Distance_Is_Zero_For_The_Same_Distribution_And_Root_Ln2_For_Disjoint_Ones()
    {
        double[] reference = [0.25, 0.25, 0.25, 0.25];

        Assert.Equal(0, DistributionDistance.JensenShannon(reference, [10, 10, 10, 10]), 12);
        Assert.Equal(Math.Sqrt(Math.Log(2)), DistributionDistance.JensenShannon([0.5, 0.5, 0, 0], [0, 0, 7, 3]), 12);
    }

    [Fact]
    public void The_Small_Sample_Correction_Brings_Two_Samples_Of_One_Distribution_Near_Zero_But_Keeps_A_Real_Shift()
    {
        var random = new Random(3);
        var reference = MetricBaseline.FromValues("x", Enumerable.Range(0, 150).Select(_ => Gaussian(random)).ToArray(), 6);
        var same = new WindowedDistributionDetector(reference, 400, correctSmallSampleBias: false);
        var corrected = new WindowedDistributionDetector(reference, 400);
        var shifted = new WindowedDistributionDetector(reference, 400);
        for (var i = 0; i < 400; i++)
        {
            var x = Gaussian(random);
            same.Add(x);
            corrected.Add(x);
            shifted.Add(x + 1);
        }

        Assert.InRange(same.Distance(), 0.04, 0.2);
        Assert.InRange(corrected.Distance(), 0, 0.08);
        Assert.InRange(shifted.Distance(), 0.3, 0.83);
    }

    [Fact]
    public void A_Window_Forgets_Values_Older_Than_Its_Size()
    {
        var reference = MetricBaseline.FromValues("x", Enumerable.Range(0, 100).Select(i => (double)i).ToArray(), 4);
        var window = new WindowedDistributionDetector(reference, 50);
        for (var i = 0; i < 50; i++)
        {
            window.Add(1000);
        }

        for (var i = 0; i < 50; i++)
        {
            window.Add(i * 2);
        }

        Assert.Equal(49, window.WindowMean, 9);
        Assert.InRange(window.Distance(), 0, 0.1);
    }

    [Fact]
    public void Quantile_Bins_Hold_Equal_Shares_And_A_Constant_Metric_Gets_An_Empty_Bin_Above_It()
    {
        var spread = MetricBaseline.FromValues("x", Enumerable.Range(0, 120).Select(i => (double)i).ToArray(), 6);
        var constant = MetricBaseline.FromValues("clip", Enumerable.Repeat(0.0, 50).Append(0.001).ToArray(), 6, resolution: 0.005);

        Assert.All(spread.Probabilities, p => Assert.Equal(1.0 / 6, p, 9));
        Assert.Equal([1.0, 0.0], constant.Probabilities);
        Assert.Equal(1, constant.BinOf(0.2));
    }

    [Fact]
    public void Page_Hinkley_Calls_A_Step_Sudden_And_A_Ramp_Gradual_And_Stays_Quiet_On_Noise()
    {
        var random = new Random(11);
        var quiet = new PageHinkleyDetector("x", 0, 1, delta: 0.5, lambda: 50);
        var step = new PageHinkleyDetector("x", 0, 1, delta: 0.5, lambda: 50);
        var ramp = new PageHinkleyDetector("x", 0, 1, delta: 0.5, lambda: 50);
        double maxQuiet = 0;
        for (var i = 0; i < 5000; i++)
        {
            quiet.Add(Gaussian(random));
            maxQuiet = Math.Max(maxQuiet, quiet.Statistic);
        }

        for (var i = 0; i < 500; i++)
        {
            step.Add(Gaussian(random) + (i < 300 ? 0 : -2));
            ramp.Add(Gaussian(random) - (i * 0.006));
        }

        Assert.True(maxQuiet < 50, $"noise reached {maxQuiet:F1}");
        Assert.Equal((DriftKind.Sudden, -1), (step.Classify(), step.Direction));
        Assert.Equal((DriftKind.Gradual, -1), (ramp.Classify(), ramp.Direction));
        Assert.InRange(step.ChangePoint, 295, 310);
    }

    [Fact]
    public void Page_Hinkley_Falls_Back_Under_Lambda_Soon_After_A_Long_Shift_Ends()
    {
        var detector = new PageHinkleyDetector("x", 0, 1, delta: 0.5, lambda: 50);
        for (var i = 0; i < 3000; i++)
        {
            detector.Add(3);
        }

        var framesToRecover = 0;
        while (detector.Statistic >= 50)
        {
            detector.Add(0);
            framesToRecover++;
        }

        Assert.InRange(framesToRecover, 1, 110);
    }

    [Fact]
    public void Concept_Drift_Level_Alarms_When_Disagreement_Rises_From_3_To_20_Percent_And_Not_Before()
    {
        var random = new Random(2026);
        var ddm = new DdmDetector();
        var maxBefore = 0.0;
        for (var i = 0; i < 2000; i++)
        {
            ddm.Add(random.NextDouble() < 0.03);
            maxBefore = Math.Max(maxBefore, ddm.Level);
        }

        var verdictsToAlarm = 0;
        var alarm = new MonitoringOptions().ConceptLevelThreshold;
        while (ddm.Level < alarm && verdictsToAlarm < 2000)
        {
            ddm.Add(random.NextDouble() < 0.20);
            verdictsToAlarm++;
        }

        Assert.True(maxBefore < alarm, $"level reached {maxBefore:F2} at 3%");
        Assert.InRange(verdictsToAlarm, 1, 300);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
