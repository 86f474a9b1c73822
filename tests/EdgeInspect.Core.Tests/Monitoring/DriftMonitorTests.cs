using System.Text.Json.Nodes;
using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Core.Tests.Monitoring;

public sealed class DriftMonitorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_Concept_Alarm_Fires_When_The_Inspector_Starts_Disagreeing_3_To_20_Percent()
    {
        var monitor = new DriftMonitor("cam1", SyntheticBaseline(), new MonitoringOptions());
        var random = new Random(42);
        var transitions = new List<AlertTransition>();

        for (var i = 1; i <= 1500; i++)
        {
            monitor.ObserveAgreement(random.NextDouble() < 0.03, i, T0.AddSeconds(i));
        }

        monitor.DrainTransitions(transitions);
        Assert.DoesNotContain(transitions, t => t.To == AlertState.Alert);

        for (var i = 1501; i <= 2000; i++)
        {
            monitor.ObserveAgreement(random.NextDouble() < 0.20, i, T0.AddSeconds(i));
        }

        monitor.DrainTransitions(transitions);
        var alarm = Assert.Single(transitions, t => t.To == AlertState.Alert);
        Assert.Equal(("cam1.concept", DetectorFamily.Concept, "disagreement"), (alarm.Name, alarm.Family, alarm.Metric));
        Assert.InRange(alarm.WindowEndSeq, 1501, 1800);
        Assert.True(alarm.CurrentValue > alarm.ReferenceValue);
        Assert.True(alarm.Distance > alarm.Threshold);
    }

    [Fact]
    public void Scores_And_Defect_Rate_Drifting_From_The_Baseline_Raise_Output_Alerts()
    {
        var random = new Random(8);
        var builder = new DriftBaselineBuilder(RegionOfInterest.ReferenceStation);
        for (var i = 0; i < 300; i++)
        {
            builder.Add(Metrics(random), Score(random, defectShare: 0.45));
        }

        var monitor = new DriftMonitor("cam1", builder.Build(), new MonitoringOptions());
        for (var i = 1; i <= 1000; i++)
        {
            monitor.ObservePrediction(Score(random, defectShare: 0.45), i, T0.AddSeconds(i));
        }

        for (var i = 1001; i <= 1400; i++)
        {
            monitor.ObservePrediction(i % 10 == 0 ? null : Score(random, defectShare: 0.8), i, T0.AddSeconds(i));
        }

        var transitions = new List<AlertTransition>();
        monitor.DrainTransitions(transitions);
        var alerts = transitions.Where(t => t.To == AlertState.Alert).ToList();
        Assert.Contains(alerts, t => t.Name == "cam1.score.distribution" && t.WindowEndSeq > 1000);
        var rate = Assert.Single(alerts, t => t.Name == "cam1.defect_rate");
        Assert.InRange(rate.ReferenceValue, 0.35, 0.55);
        Assert.True(rate.CurrentValue > rate.ReferenceValue + 0.15);
    }

    [Fact]
    public void A_Threshold_Set_At_Runtime_Silences_A_Detector_By_Name()
    {
        var monitor = new DriftMonitor("cam1", SyntheticBaseline(), new MonitoringOptions());
        var random = new Random(1);

        Assert.True(monitor.SetThreshold("cam1.brightness.distribution", 0.8));
        Assert.False(monitor.SetThreshold("cam1.no-such-detector", 0.8));
        monitor.SetThreshold(DetectorFamily.InputSequential, 1e9);
        for (var i = 1; i <= 1000; i++)
        {
            var m = Metrics(random);
            monitor.ObserveFrame(m with { Brightness = m.Brightness + 10 }, i, T0.AddSeconds(i));
        }

        var transitions = new List<AlertTransition>();
        monitor.DrainTransitions(transitions);
        Assert.DoesNotContain(transitions, t => t.Metric == "brightness");
        Assert.Contains(monitor.GetStates(), s => s is { Name: "cam1.brightness.distribution", Threshold: 0.8, State: AlertState.Ok });
    }

    [Fact]
    public void Updating_The_Monitor_Per_Frame_Allocates_Nothing()
    {
        var monitor = new DriftMonitor("cam1", SyntheticBaseline(), new MonitoringOptions());
        var random = new Random(4);
        var frames = Enumerable.Range(0, 2000).Select(_ => Metrics(random)).ToArray();
        for (var i = 0; i < 1000; i++)
        {
            monitor.ObserveFrame(frames[i], i, T0.AddSeconds(i));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1000; i < 2000; i++)
        {
            monitor.ObserveFrame(frames[i], i, T0.AddSeconds(i));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_Baseline_Survives_A_Round_Trip_Through_Json()
    {
        var random = new Random(9);
        var builder = new DriftBaselineBuilder(new RegionOfInterest(1, 2, 30, 40));
        for (var i = 0; i < 100; i++)
        {
            builder.Add(Metrics(random), Score(random, 0.4));
        }

        var baseline = builder.Build();

        var copy = DriftBaseline.FromJson((JsonObject)JsonNode.Parse(baseline.ToJsonString())!);

        Assert.Equal(baseline.Roi, copy.Roi);
        Assert.Equal(baseline.DefectRate, copy.DefectRate);
        Assert.Equal(baseline.Inputs[InputMetric.Sharpness].Edges, copy.Inputs[InputMetric.Sharpness].Edges);
        Assert.Equal(baseline.Inputs[InputMetric.MeanRed].Probabilities, copy.Inputs[InputMetric.MeanRed].Probabilities);
        Assert.Equal(baseline.Score!.Mean, copy.Score!.Mean);
        Assert.Equal(baseline.ToJsonString(), copy.ToJsonString());
    }

    [Fact]
    public void A_Baseline_Of_Another_Schema_Is_Refused()
    {
        var json = new JsonObject { ["schema"] = "something-else/9" };

        Assert.Throws<FormatException>(() => DriftBaseline.FromJson(json));
    }

    [Fact]
    public void Invalid_Monitoring_Options_List_Every_Problem()
    {
        var options = new MonitoringOptions { WindowFrames = 0, DistanceThreshold = 2, Cooldown = TimeSpan.FromSeconds(-1) };
        var errors = new List<ConfigError>();

        options.Validate("monitoring", errors);

        Assert.Equal(["monitoring:windowFrames", "monitoring:evaluateEveryFrames", "monitoring:distanceThreshold", "monitoring:cooldown"], errors.Select(e => e.Path));
    }

    private static DriftBaseline SyntheticBaseline()
    {
        var random = new Random(100);
        var builder = new DriftBaselineBuilder(RegionOfInterest.ReferenceStation);
        for (var i = 0; i < 300; i++)
        {
            builder.Add(Metrics(random));
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

    private static double Score(Random random, double defectShare) =>
        random.NextDouble() < defectShare ? 0.7 + (random.NextDouble() * 0.3) : random.NextDouble() * 0.3;
}
