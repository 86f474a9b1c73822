using EdgeInspect.Core.Monitoring;
using Xunit.Abstractions;

namespace EdgeInspect.Worker.Tests.Monitoring;

/// <summary>
/// The drift acceptance scenarios on the phone-v1 frames: input metrics computed from the decoded JPEGs, replayed
/// through a <see cref="DriftMonitor"/> built on the reference set's baseline, at 10 frames per second.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PhoneSetMetrics.Collection)]
public sealed class DriftOnRealFramesTests(PhoneSetMetrics sets, ITestOutputHelper output)
{
    private const string Camera = "cam1";
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 6, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan FramePeriod = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Five_Thousand_Holdout_Frames_Cycled_With_A_Fixed_Seed_Raise_No_Alert()
    {
        var replay = new Replay(sets.Baseline);
        var random = new Random(20261122);

        replay.Feed(Enumerable.Range(0, 5000).Select(_ => sets.Holdout[random.Next(sets.Holdout.Count)]));

        foreach (var t in replay.Transitions)
        {
            output.WriteLine(t.ToString());
        }

        Assert.DoesNotContain(replay.Transitions, t => t.To == AlertState.Alert);
    }

    [Fact]
    public void Holdout_Frames_Dimmed_To_55_Percent_Raise_A_Brightness_Alert_Within_300_Frames_And_It_Clears_When_The_Light_Returns()
    {
        var replay = new Replay(sets.Baseline);
        var random = new Random(7);
        int Next() => random.Next(sets.Holdout.Count);

        replay.Feed(Enumerable.Range(0, 1000).Select(_ => sets.Holdout[Next()]));
        var changeAt = replay.Seq;
        replay.Feed(Enumerable.Range(0, 600).Select(_ => sets.HoldoutDimmed[Next()]));
        var returnAt = replay.Seq;
        replay.Feed(Enumerable.Range(0, 1500).Select(_ => sets.Holdout[Next()]));

        var brightness = replay.Transitions.Where(t => t.Name == "cam1.brightness.distribution").ToList();
        foreach (var t in brightness)
        {
            output.WriteLine(t.ToString());
        }

        var raised = Assert.Single(brightness, t => t.To == AlertState.Alert);
        Assert.InRange(raised.WindowEndSeq, changeAt + 1, changeAt + 300);
        Assert.True(raised.CurrentValue < raised.ReferenceValue, "the window's brightness is below the reference's");
        Assert.True(raised.Distance > raised.Threshold);
        Assert.Equal(DriftKind.Sudden, raised.Kind);

        var cleared = Assert.Single(brightness, t => t.From == AlertState.Alert && t.To == AlertState.Ok);
        Assert.True(cleared.WindowEndSeq > returnAt, "the alert holds while the light is dim");
        Assert.True(cleared.Distance < raised.Threshold * (1 - new MonitoringOptions().Hysteresis), "it clears below the hysteresis band");
        Assert.Equal(AlertState.Ok, replay.Monitor.GetStates().Single(s => s.Name == "cam1.brightness.distribution").State);
    }

    [Fact]
    public void The_Dim_Set_Raises_A_Brightness_Alert_Within_300_Frames_Of_The_Change()
    {
        var replay = new Replay(sets.Baseline);
        var random = new Random(11);

        replay.Feed(Enumerable.Range(0, 600).Select(_ => sets.Holdout[random.Next(sets.Holdout.Count)]));
        var changeAt = replay.Seq;
        replay.Feed(Enumerable.Range(0, 300).Select(_ => sets.Dim[random.Next(sets.Dim.Count)]));

        var raised = Assert.Single(replay.Transitions, t => t.Name == "cam1.brightness.distribution" && t.To == AlertState.Alert);
        Assert.InRange(raised.WindowEndSeq, changeAt + 1, changeAt + 300);
        Assert.Contains(replay.Transitions, t => t.Name == "cam1.brightness.sequential" && t.To == AlertState.Alert);
    }

    [Fact]
    public void The_Blur_Set_Raises_A_Sharpness_Alert()
    {
        var replay = new Replay(sets.Baseline);
        var random = new Random(13);

        replay.Feed(Enumerable.Range(0, 600).Select(_ => sets.Holdout[random.Next(sets.Holdout.Count)]));
        var changeAt = replay.Seq;
        replay.Feed(Enumerable.Range(0, 300).Select(_ => sets.Blur[random.Next(sets.Blur.Count)]));

        var raised = Assert.Single(replay.Transitions, t => t.Name == "cam1.sharpness.distribution" && t.To == AlertState.Alert);
        Assert.InRange(raised.WindowEndSeq, changeAt + 1, changeAt + 300);
        Assert.True(raised.CurrentValue < raised.ReferenceValue, $"window sharpness {raised.CurrentValue:F1} against {raised.ReferenceValue:F1}");
        Assert.DoesNotContain(replay.Transitions, t => t.Name == "cam1.brightness.distribution" && t.To == AlertState.Alert);
    }

    [Fact]
    public void Light_Fading_Slowly_Is_Classified_As_Gradual_And_A_Step_As_Sudden()
    {
        var random = new Random(17);
        var ramp = new Replay(sets.Baseline);
        ramp.Feed(Enumerable.Range(0, 600).Select(_ => sets.Holdout[random.Next(sets.Holdout.Count)]));
        ramp.Feed(Enumerable.Range(0, 900).Select(i =>
        {
            var gain = 1 - (0.5 * i / 900.0);
            var level = sets.Fade.MinBy(f => Math.Abs(f.Gain - gain))!;
            return level.Metrics[random.Next(level.Metrics.Count)];
        }));

        var step = new Replay(sets.Baseline);
        step.Feed(Enumerable.Range(0, 600).Select(_ => sets.Holdout[random.Next(sets.Holdout.Count)]));
        step.Feed(Enumerable.Range(0, 300).Select(_ => sets.HoldoutDimmed[random.Next(sets.HoldoutDimmed.Count)]));

        var gradual = ramp.Transitions.First(t => t.Name == "cam1.brightness.sequential" && t.To == AlertState.Alert);
        var sudden = step.Transitions.First(t => t.Name == "cam1.brightness.sequential" && t.To == AlertState.Alert);
        output.WriteLine(gradual.ToString());
        output.WriteLine(sudden.ToString());
        Assert.Equal(DriftKind.Gradual, gradual.Kind);
        Assert.Equal(DriftKind.Sudden, sudden.Kind);
    }

    [Fact]
    public void The_Same_Frames_Give_The_Same_Alerts_Run_After_Run()
    {
        List<AlertTransition> Run()
        {
            var replay = new Replay(sets.Baseline);
            var random = new Random(99);
            replay.Feed(Enumerable.Range(0, 700).Select(_ => sets.Holdout[random.Next(sets.Holdout.Count)]));
            replay.Feed(Enumerable.Range(0, 400).Select(_ => sets.Dim[random.Next(sets.Dim.Count)]));
            replay.Feed(Enumerable.Range(0, 300).Select(_ => sets.Blur[random.Next(sets.Blur.Count)]));
            replay.Feed(Enumerable.Range(0, 900).Select(_ => sets.Holdout[random.Next(sets.Holdout.Count)]));
            return replay.Transitions;
        }

        var first = Run();
        var second = Run();

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    /// <summary>Feeds metrics as consecutive frames of one camera, 100 ms apart, collecting every transition.</summary>
    private sealed class Replay(DriftBaseline baseline)
    {
        public DriftMonitor Monitor { get; } = new(Camera, baseline, new MonitoringOptions());

        public List<AlertTransition> Transitions { get; } = [];

        public long Seq { get; private set; }

        public void Feed(IEnumerable<InputMetrics> frames)
        {
            foreach (var metrics in frames)
            {
                Seq++;
                Monitor.ObserveFrame(metrics, Seq, Start + (FramePeriod * Seq));
            }

            Monitor.DrainTransitions(Transitions);
        }
    }
}
