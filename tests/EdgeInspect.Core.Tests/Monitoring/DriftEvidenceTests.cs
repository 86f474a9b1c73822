using EdgeInspect.Core.Frames;
using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Core.Tests.Monitoring;

/// <summary>
/// What the monitor adds for incidents: chroma ratios, a scale floor for metrics without spread, black and saturated
/// frame shares, the disagreement reference held while alerting, and the evidence an incident is diagnosed from.
/// </summary>
public sealed class DriftEvidenceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Chroma_Ratios_Are_The_Ratios_Of_The_Channel_Sums_And_A_Gain_Leaves_Them()
    {
        var frame = Frame.CreateUnpooled(64, 48);
        var random = new Random(3);
        random.NextBytes(frame.Pixels);
        var roi = new RegionOfInterest(4, 4, 40, 30);
        var full = InputMetricsCalculator.Compute(frame, roi);
        var dimmed = Frame.CreateUnpooled(64, 48);
        dimmed.SetGeometry(64, 48, 64 * 3);
        for (var i = 0; i < frame.Pixels.Length; i++)
        {
            dimmed.Pixels[i] = (byte)(frame.Pixels[i] / 2);
        }

        var half = InputMetricsCalculator.Compute(dimmed, roi);

        Assert.Equal(full.MeanRed / full.MeanGreen, full.ChromaRedGreen, 12);
        Assert.Equal(full.MeanBlue / full.MeanGreen, full[InputMetric.ChromaBlueGreen], 12);
        Assert.InRange(half.Brightness / full.Brightness, 0.48, 0.51);
        Assert.Equal(full.ChromaRedGreen, half.ChromaRedGreen, 2);
        Assert.Equal(full.ChromaBlueGreen, half.ChromaBlueGreen, 2);
        Assert.Equal(1, new InputMetrics(0, 0, 0, 1, 0, 0, 0, 0).ChromaRedGreen);
        Assert.Equal(["chroma_rg", "chroma_bg"], new[] { InputMetric.ChromaRedGreen, InputMetric.ChromaBlueGreen }.Select(m => m.Name()));
    }

    [Fact]
    public void A_Sequential_Detector_On_A_Reference_Without_Spread_Ignores_A_Difference_Below_The_Resolution()
    {
        // dark_clipped in the reference package: mean 0.00005, std 0.00015 (0 on almost every frame). The demo's dim
        // frames read 0.001, which the unfloored detector took for 6.5 standard deviations a frame.
        const double mean = 4.944e-5, std = 1.464e-4;
        var floored = new PageHinkleyDetector("dark_clipped", mean, std, 0.5, 50, InputMetric.DarkClipped.Resolution());
        var unfloored = new PageHinkleyDetector("dark_clipped", mean, std, 0.5, 50);

        for (var i = 0; i < 1000; i++)
        {
            floored.Add(0.001);
            unfloored.Add(0.001);
        }

        Assert.Equal(0.005, floored.Scale);
        Assert.True(floored.Statistic < floored.Lambda, $"floored statistic {floored.Statistic}");
        Assert.True(unfloored.Statistic >= unfloored.Lambda, "without the floor 0.001 is a change");

        // A real change of clipping (5% of the ROI) still fires with the floor.
        for (var i = 0; i < 100; i++)
        {
            floored.Add(0.05);
        }

        Assert.True(floored.Statistic >= floored.Lambda);
    }

    [Fact]
    public void The_Monitor_Raises_No_Dark_Clipping_Alert_On_Frames_That_Clip_A_Thousandth_Of_The_Roi()
    {
        var monitor = new DriftMonitor("cam1", BaselineWithoutDarkClipping(), new MonitoringOptions());
        var random = new Random(12);
        for (var i = 1; i <= 2000; i++)
        {
            monitor.ObserveFrame(Metrics(random) with { DarkClippedFraction = 0.001 }, i, T0.AddSeconds(i));
        }

        var transitions = new List<AlertTransition>();
        monitor.DrainTransitions(transitions);
        Assert.DoesNotContain(transitions, t => t.Metric == "dark_clipped");
    }

    [Fact]
    public void Most_Recent_Frames_Flagged_Black_Raise_The_Black_Frames_Alert_A_Few_Flagged_Do_Not()
    {
        var monitor = new DriftMonitor("cam1", BaselineWithoutDarkClipping(), new MonitoringOptions());
        var random = new Random(13);
        var transitions = new List<AlertTransition>();
        for (var i = 1; i <= 500; i++)
        {
            monitor.ObserveFrame(Metrics(random), i % 5 == 0 ? FrameFlags.AllBlack : FrameFlags.None, i, T0.AddSeconds(i));
        }

        monitor.DrainTransitions(transitions);
        Assert.DoesNotContain(transitions, t => t.Family == DetectorFamily.CameraFault);

        for (var i = 501; i <= 560; i++)
        {
            monitor.ObserveFrame(Metrics(random), FrameFlags.AllBlack, i, T0.AddSeconds(i));
        }

        monitor.DrainTransitions(transitions);
        var black = Assert.Single(transitions, t => t.To == AlertState.Alert);
        Assert.Equal(("cam1.black_frames", DetectorFamily.CameraFault), (black.Name, black.Family));
        Assert.InRange(black.WindowEndSeq, 501, 540);
        Assert.True(monitor.GetEvidence().BlackFraction > 0.9);
    }

    [Fact]
    public void A_Lasting_Rise_In_Disagreement_Is_One_Alert_Not_An_Alert_That_Clears_And_Returns()
    {
        var monitor = new DriftMonitor("cam1", BaselineWithoutDarkClipping(), new MonitoringOptions());
        var random = new Random(21);
        for (var i = 1; i <= 1000; i++)
        {
            monitor.ObserveAgreement(random.NextDouble() < 0.02, i, T0.AddSeconds(i));
        }

        // Inspectors apply new criteria for good: 20% disagreement from now on.
        for (var i = 1001; i <= 4000; i++)
        {
            monitor.ObserveAgreement(random.NextDouble() < 0.20, i, T0.AddSeconds(i));
        }

        var transitions = new List<AlertTransition>();
        monitor.DrainTransitions(transitions);
        var concept = transitions.Where(t => t.Name == "cam1.concept" && !t.IsRepeat).ToList();
        Assert.Single(concept, t => t.To == AlertState.Alert);
        Assert.DoesNotContain(concept, t => t.To == AlertState.Ok);

        // When the rate returns, the alert clears against the rate from before the rise.
        for (var i = 4001; i <= 4600; i++)
        {
            monitor.ObserveAgreement(random.NextDouble() < 0.02, i, T0.AddSeconds(i));
        }

        transitions.Clear();
        monitor.DrainTransitions(transitions);
        Assert.Contains(transitions, t => t is { Name: "cam1.concept", To: AlertState.Ok });
    }

    [Fact]
    public void The_Evidence_Reads_The_Recent_Frames_And_Only_The_Last_N_When_Asked()
    {
        var baseline = BaselineWithoutDarkClipping();
        var monitor = new DriftMonitor("cam1", baseline, new MonitoringOptions { EvidenceFrames = 100 });
        var random = new Random(14);
        for (var i = 1; i <= 200; i++)
        {
            monitor.ObserveFrame(Metrics(random), i, T0.AddSeconds(i));
        }

        for (var i = 201; i <= 220; i++)
        {
            var m = Metrics(random);
            monitor.ObserveFrame(m with { Brightness = m.Brightness * 0.5 }, i, T0.AddSeconds(i));
        }

        var evidence = monitor.GetEvidence();
        var reference = baseline.Inputs[InputMetric.Brightness];
        var all = evidence.Input(InputMetric.Brightness)!.Value;
        var last20 = evidence.Input(InputMetric.Brightness, 20)!.Value;

        Assert.Equal((220L, 220L, 100), (evidence.Frames, evidence.LastSeq, all.Frames));
        Assert.Equal(20, last20.Frames);
        Assert.Equal(reference.Mean, all.ReferenceMean);
        Assert.InRange(last20.LogRatio, Math.Log(0.45), Math.Log(0.55));
        Assert.True(last20.Effect < all.Effect, "the last 20 frames moved further than the 100 that include frames before the change");
        Assert.Equal(InputMetrics.Count, evidence.Inputs.Count);
    }

    private static DriftBaseline BaselineWithoutDarkClipping()
    {
        var random = new Random(100);
        var builder = new DriftBaselineBuilder(RegionOfInterest.ReferenceStation);
        for (var i = 0; i < 300; i++)
        {
            builder.Add(Metrics(random) with { DarkClippedFraction = i == 7 ? 0.0012 : 0 });
        }

        return builder.Build();
    }

    private static InputMetrics Metrics(Random random) => new(
        Brightness: 100 + (random.NextDouble() * 40),
        Contrast: 30 + (random.NextDouble() * 20),
        Sharpness: 120 + (random.NextDouble() * 60),
        DarkClippedFraction: 0,
        BrightClippedFraction: random.NextDouble() * 0.001,
        MeanBlue: 100 + (random.NextDouble() * 40),
        MeanGreen: 100 + (random.NextDouble() * 40),
        MeanRed: 100 + (random.NextDouble() * 40));
}
