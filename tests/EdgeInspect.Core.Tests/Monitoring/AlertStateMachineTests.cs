using EdgeInspect.Core.Monitoring;

namespace EdgeInspect.Core.Tests.Monitoring;

public sealed class AlertStateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
    private static readonly AlertPolicy Policy = new(Threshold: 0.1, Hysteresis: 0.25, ConsecutiveWindows: 3, Cooldown: TimeSpan.FromMinutes(1), RepeatInterval: TimeSpan.Zero);

    [Fact]
    public void One_Breach_Warns_And_K_Consecutive_Breaches_Alert()
    {
        var machine = new AlertStateMachine("m", Policy);

        var steps = Feed(machine, [0.2, 0.2, 0.2]);

        Assert.Equal([(AlertState.Ok, AlertState.Warn), (AlertState.Warn, AlertState.Alert)], steps.Select(s => (s.From, s.To)));
        Assert.Equal(T0.AddSeconds(2), machine.Since);
    }

    [Fact]
    public void Breaches_Interrupted_By_A_Reading_Below_The_Threshold_Do_Not_Alert()
    {
        var machine = new AlertStateMachine("m", Policy);

        Feed(machine, [0.2, 0.2, 0.09, 0.2, 0.2, 0.09, 0.2]);

        Assert.Equal(AlertState.Warn, machine.State);
    }

    [Fact]
    public void An_Alert_Holds_Inside_The_Hysteresis_Band_And_Clears_After_K_Calm_Readings()
    {
        var machine = new AlertStateMachine("m", Policy);
        Feed(machine, [0.2, 0.2, 0.2]);

        var inBand = Feed(machine, [0.08, 0.08, 0.08, 0.08], start: 3);
        var calm = Feed(machine, [0.05, 0.05, 0.05], start: 7);

        Assert.Empty(inBand);
        Assert.Equal((AlertState.Alert, AlertState.Ok), (calm.Single().From, calm.Single().To));
    }

    [Fact]
    public void After_Clearing_It_Cannot_Warn_Again_Until_The_Cooldown_Has_Passed()
    {
        var machine = new AlertStateMachine("m", Policy);
        Feed(machine, [0.2, 0.2, 0.2, 0.0, 0.0, 0.0]);

        Assert.Null(machine.Observe(0.5, T0.AddSeconds(30)));
        Assert.Equal(AlertState.Warn, machine.Observe(0.5, T0.AddSeconds(66))?.To);
    }

    [Fact]
    public void A_Standing_Alert_Is_Repeated_At_The_Repeat_Interval()
    {
        var machine = new AlertStateMachine("m", Policy with { RepeatInterval = TimeSpan.FromSeconds(10) });

        var steps = Feed(machine, Enumerable.Repeat(0.3, 33).ToArray());

        Assert.Equal(3, steps.Count(s => s.IsRepeat));
        Assert.All(steps.Where(s => s.IsRepeat), s => Assert.Equal((AlertState.Alert, AlertState.Alert), (s.From, s.To)));
    }

    [Fact]
    public void A_Threshold_Changed_At_Runtime_Applies_To_The_Next_Reading()
    {
        var machine = new AlertStateMachine("m", Policy);
        Feed(machine, [0.15]);

        machine.Policy = machine.Policy.WithThreshold(0.5);
        var steps = Feed(machine, [0.05, 0.05, 0.05], start: 1);

        Assert.Equal(AlertState.Ok, Assert.Single(steps).To);
        Assert.Empty(Feed(machine, [0.3, 0.3, 0.3, 0.3], start: 100));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(17)]
    public void A_Signal_Oscillating_Around_The_Threshold_Causes_A_Bounded_Number_Of_Transitions(int halfPeriod)
    {
        // 2 hours of one reading per second, swinging between 0.02 and 0.3 every halfPeriod readings, plus noise.
        var random = new Random(halfPeriod);
        var machine = new AlertStateMachine("m", Policy);
        var readings = Enumerable.Range(0, 7200)
            .Select(i => ((i / halfPeriod) % 2 == 0 ? 0.02 : 0.3) + ((random.NextDouble() - 0.5) * 0.04))
            .ToArray();

        var steps = Feed(machine, readings).Where(s => !s.IsRepeat).ToList();

        // Each step up waits a minute after a step down, and a cycle has at most three steps: 3 × 120 minutes + 3.
        Assert.InRange(steps.Count, 1, (3 * 120) + 3);
        if (halfPeriod < Policy.ConsecutiveWindows)
        {
            // Faster than K readings either way: it warns once and stays there.
            Assert.Equal(AlertState.Warn, Assert.Single(steps).To);
        }
    }

    [Fact]
    public void The_Same_Readings_Give_The_Same_Steps()
    {
        var readings = Enumerable.Range(0, 2000).Select(i => Math.Abs(Math.Sin(i / 37.0)) * 0.2).ToArray();

        Assert.Equal(Feed(new AlertStateMachine("a", Policy), readings), Feed(new AlertStateMachine("b", Policy), readings));
    }

    private static List<AlertStep> Feed(AlertStateMachine machine, double[] readings, int start = 0)
    {
        var steps = new List<AlertStep>();
        for (var i = 0; i < readings.Length; i++)
        {
            if (machine.Observe(readings[i], T0.AddSeconds(start + i)) is { } step)
            {
                steps.Add(step);
            }
        }

        return steps;
    }
}
