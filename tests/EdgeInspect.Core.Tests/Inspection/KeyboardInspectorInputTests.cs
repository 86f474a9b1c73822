using System.Collections.Concurrent;
using EdgeInspect.Core.Inspection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Inspection;

/// <summary>Keys typed by a test instead of a person.</summary>
internal sealed class ScriptedKeys(string typed) : IKeySource
{
    private readonly BlockingCollection<char> _keys = new(new ConcurrentQueue<char>(typed));

    public bool TryReadKey(TimeSpan timeout, out char key) => _keys.TryTake(out key, timeout);
}

public sealed class KeyboardInspectorInputTests
{
    [Fact]
    public async Task P_F_And_U_Are_Pass_Fail_And_Unsure_And_Other_Keys_Are_Ignored()
    {
        var time = new FakeTimeProvider();
        var roster = new InspectorRoster([("left", "alice")]);
        using var input = new KeyboardInspectorInput(new ScriptedKeys("pxfU\nP"), "left", roster, time);
        input.Start(CancellationToken.None);

        var verdicts = new List<Verdict>();
        for (var i = 0; i < 4; i++)
        {
            var press = await input.Presses.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(("left", "alice", time.GetTimestamp()), (press.Position, press.InspectorId, press.MonotonicTimestamp));
            verdicts.Add(press.Verdict);
        }

        Assert.Equal([Verdict.Pass, Verdict.Fail, Verdict.Unsure, Verdict.Pass], verdicts);
    }

    [Fact]
    public async Task Cancelling_Stops_The_Keyboard_And_Completes_The_Presses()
    {
        using var cts = new CancellationTokenSource();
        using var input = new KeyboardInspectorInput(new ScriptedKeys(""), "keyboard", new InspectorRoster([("keyboard", "")]), TimeProvider.System);
        input.Start(cts.Token);

        await cts.CancelAsync();

        await input.Presses.Completion.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Keys_Go_To_The_Configured_Keyboard_Position_Else_The_First()
    {
        var options = new InspectorOptions { Positions = [new() { Name = "left" }, new() { Name = "right" }] };
        Assert.Equal("left", KeyboardInspectorInput.PositionFor(options));

        options.KeyboardPosition = "right";
        Assert.Equal("right", KeyboardInspectorInput.PositionFor(options));

        Assert.Equal("keyboard", KeyboardInspectorInput.PositionFor(new InspectorOptions()));
    }
}
