using EdgeInspect.Core.Inspection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Inspection;

public sealed class ScriptedInspectorTests
{
    private readonly FakeTimeProvider _time = new();

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.05)]
    [InlineData(0.20)]
    public void The_Measured_Error_Rate_Over_10000_Parts_Is_Within_One_Point_Of_The_Configured_Rate(double rate)
    {
        using var inspector = Immediate(new ScriptedInspectorOptions { ErrorRate = rate, Seed = 7 });

        var measured = MeasuredErrorRate(inspector, parts: 10_000);

        Assert.InRange(measured, rate - 0.01, rate + 0.01);
    }

    [Fact]
    public void The_Error_Rate_Can_Be_Raised_While_Running()
    {
        using var inspector = Immediate(new ScriptedInspectorOptions { ErrorRate = 0.02, Seed = 11 });
        Assert.InRange(MeasuredErrorRate(inspector, parts: 10_000), 0.01, 0.03);

        inspector.ErrorRate = 0.30;

        Assert.InRange(MeasuredErrorRate(inspector, parts: 10_000), 0.29, 0.31);
    }

    [Fact]
    public void The_Same_Seed_Gives_The_Same_Answers()
    {
        Verdict[] Answers()
        {
            using var inspector = Immediate(new ScriptedInspectorOptions { ErrorRate = 0.1, Seed = 3 });
            for (var i = 0; i < 500; i++)
            {
                inspector.Present($"p{i}", i % 3 == 0 ? Verdict.Fail : Verdict.Pass, _time.GetTimestamp());
            }

            return Drain(inspector).Select(p => p.Verdict).ToArray();
        }

        Assert.Equal(Answers(), Answers());
    }

    [Fact]
    public void Unsure_Answers_Come_At_The_Configured_Rate_And_Never_When_It_Is_Zero()
    {
        using var never = Immediate(new ScriptedInspectorOptions { ErrorRate = 0.05, UnsureRate = 0, Seed = 5 });
        using var sometimes = Immediate(new ScriptedInspectorOptions { ErrorRate = 0.05, UnsureRate = 0.03, Seed = 5 });
        for (var i = 0; i < 10_000; i++)
        {
            never.Present($"p{i}", Verdict.Pass, _time.GetTimestamp());
            sometimes.Present($"p{i}", Verdict.Pass, _time.GetTimestamp());
        }

        Assert.DoesNotContain(Drain(never), p => p.Verdict == Verdict.Unsure);
        Assert.InRange(Drain(sometimes).Count(p => p.Verdict == Verdict.Unsure) / 10_000.0, 0.02, 0.04);
    }

    [Fact]
    public void An_Answer_Is_Pressed_After_The_Response_Delay_Counted_From_Presentation()
    {
        using var inspector = Started(new ScriptedInspectorOptions
        {
            ErrorRate = 0, ResponseDelay = TimeSpan.FromMilliseconds(800), ResponseJitter = TimeSpan.Zero,
        });
        var presented = _time.GetTimestamp();

        inspector.Present("p1", Verdict.Fail, presented);
        _time.Advance(TimeSpan.FromMilliseconds(799));
        Assert.False(inspector.Presses.TryRead(out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(inspector.Presses.TryRead(out var press));
        Assert.Equal(new InspectorPress("left", "alice", Verdict.Fail, _time.GetTimestamp()), press);
        Assert.Equal(TimeSpan.FromMilliseconds(800), _time.GetElapsedTime(presented, press.MonotonicTimestamp));
    }

    [Fact]
    public void Answers_Come_In_Part_Order_Even_When_Jitter_Would_Reorder_Them()
    {
        using var inspector = Started(new ScriptedInspectorOptions
        {
            ErrorRate = 0, ResponseDelay = TimeSpan.FromMilliseconds(100), ResponseJitter = TimeSpan.FromSeconds(2), Seed = 1,
        });
        var truths = new List<Verdict>();
        for (var i = 0; i < 200; i++)
        {
            var truth = i % 2 == 0 ? Verdict.Pass : Verdict.Fail;
            truths.Add(truth);
            inspector.Present($"p{i}", truth, _time.GetTimestamp());
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        _time.Advance(TimeSpan.FromSeconds(3));
        var presses = Drain(inspector);

        Assert.Equal(truths, presses.Select(p => p.Verdict));
        Assert.Equal(presses.Select(p => p.MonotonicTimestamp).Order(), presses.Select(p => p.MonotonicTimestamp));
    }

    [Fact]
    public void Parts_Presented_Before_Start_Are_Answered_After_It()
    {
        var inspector = ScriptedInspector.Create(Station(new ScriptedInspectorOptions { ErrorRate = 0, ResponseDelay = TimeSpan.Zero, ResponseJitter = TimeSpan.Zero }), _time);
        inspector.Present("p1", Verdict.Pass, _time.GetTimestamp());
        Assert.False(inspector.Presses.TryRead(out _));

        inspector.Start(CancellationToken.None);

        Assert.True(inspector.Presses.TryRead(out var press));
        Assert.Equal(Verdict.Pass, press.Verdict);
        inspector.Dispose();
        Assert.True(inspector.Presses.Completion.IsCompleted);
    }

    [Fact]
    public void Without_Positions_It_Answers_As_Its_Own_Position_And_Id()
    {
        using var inspector = ScriptedInspector.Create(new InspectorOptions
        {
            Backend = InspectorBackendKind.Scripted,
            Scripted = new ScriptedInspectorOptions { ResponseDelay = TimeSpan.Zero, ResponseJitter = TimeSpan.Zero, InspectorId = "bot-1" },
        }, _time);
        inspector.Start(CancellationToken.None);

        inspector.Present("p1", Verdict.Pass, _time.GetTimestamp());

        Assert.True(inspector.Presses.TryRead(out var press));
        Assert.Equal(("scripted", "bot-1"), (press.Position, press.InspectorId));
    }

    private ScriptedInspector Immediate(ScriptedInspectorOptions options)
    {
        options.ResponseDelay = TimeSpan.Zero;
        options.ResponseJitter = TimeSpan.Zero;
        return Started(options);
    }

    private ScriptedInspector Started(ScriptedInspectorOptions options)
    {
        var inspector = ScriptedInspector.Create(Station(options), _time);
        inspector.Start(CancellationToken.None);
        return inspector;
    }

    private static InspectorOptions Station(ScriptedInspectorOptions scripted) => new()
    {
        Backend = InspectorBackendKind.Scripted,
        Positions = [new InspectorPositionOptions { Name = "left", InspectorId = "alice" }],
        Scripted = scripted,
    };

    private double MeasuredErrorRate(ScriptedInspector inspector, int parts)
    {
        // Ground truth roughly as on a line: mostly good parts, some defects.
        var truths = new Queue<Verdict>();
        for (var i = 0; i < parts; i++)
        {
            var truth = i % 10 == 0 ? Verdict.Fail : Verdict.Pass;
            truths.Enqueue(truth);
            inspector.Present($"part-{i}", truth, _time.GetTimestamp());
        }

        var presses = Drain(inspector);
        Assert.Equal(parts, presses.Count);
        var wrong = presses.Count(p => p.Verdict != truths.Dequeue());
        return wrong / (double)parts;
    }

    private static List<InspectorPress> Drain(ScriptedInspector inspector)
    {
        var presses = new List<InspectorPress>();
        while (inspector.Presses.TryRead(out var press))
        {
            presses.Add(press);
        }

        return presses;
    }
}

public sealed class ScriptedInspectorLifetimeTests
{
    [Fact]
    public void A_Part_Presented_After_Dispose_Is_Ignored()
    {
        var time = new FakeTimeProvider();
        var inspector = ScriptedInspector.Create(new InspectorOptions { Backend = InspectorBackendKind.Scripted }, time);
        inspector.Start(CancellationToken.None);
        inspector.Dispose();

        inspector.Present("late", Verdict.Pass, time.GetTimestamp());
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(inspector.Presses.TryRead(out _));
    }
}
