using EdgeInspect.Core.Inspection;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace EdgeInspect.Core.Tests.Inspection;

public sealed class StationOutputsTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeGpioBackend _gpio = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly GpioStationOutputs _outputs;

    public StationOutputsTests()
    {
        _outputs = GpioStationOutputs.Open(_gpio, StationSamples.OnePosition(TimeSpan.FromMilliseconds(20)), _time, _stopping.Token);
    }

    private FakeOutputLine Reject => _gpio.Outputs[StationSamples.Reject];

    [Fact]
    public void Every_Configured_Output_Is_Requested_And_None_Is_Driven_Active_At_Start()
    {
        Assert.Equal(7, _gpio.Outputs.Count);
        Assert.All(_gpio.Outputs.Values, o => Assert.False(o.IsActive));
        Assert.Contains("gpiochip0:5 out reject actuator", _gpio.Requests);
    }

    [Fact]
    public void The_Reject_Pulse_Lasts_Exactly_The_Configured_Time()
    {
        _outputs.PulseReject();
        Assert.True(Reject.IsActive);

        _time.Advance(TimeSpan.FromMilliseconds(149));
        Assert.True(Reject.IsActive);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(Reject.IsActive);
        Assert.Equal([true, false], Reject.Levels);
    }

    [Fact]
    public void A_Reject_During_A_Pulse_Extends_It_From_The_Second_Reject()
    {
        _outputs.PulseReject();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        _outputs.PulseReject();

        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(Reject.IsActive);
        _time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.False(Reject.IsActive);
    }

    [Theory]
    [InlineData(Verdict.Pass, true, false)]
    [InlineData(Verdict.Fail, false, true)]
    [InlineData(Verdict.Unsure, false, false)]
    [InlineData(null, false, false)]
    public void A_Suggestion_Lights_Only_Its_Own_Lamp(Verdict? suggestion, bool passLit, bool failLit)
    {
        _outputs.ShowSuggestion(Verdict.Pass == suggestion ? Verdict.Fail : Verdict.Pass);

        _outputs.ShowSuggestion(suggestion);

        Assert.Equal(passLit, _gpio.Outputs[StationSamples.SuggestPass].IsActive);
        Assert.Equal(failLit, _gpio.Outputs[StationSamples.SuggestFail].IsActive);
    }

    [Fact]
    public void The_Needs_Human_Lamp_Follows_Its_Command()
    {
        _outputs.SetNeedsHuman(true);
        Assert.True(_gpio.Outputs[StationSamples.NeedsHuman].IsActive);
        _outputs.SetNeedsHuman(false);
        Assert.False(_gpio.Outputs[StationSamples.NeedsHuman].IsActive);
    }

    [Fact]
    public void The_Tower_Light_Never_Shows_Two_Colours()
    {
        _outputs.SetTowerLight(TowerLight.Green);
        _outputs.SetTowerLight(TowerLight.Red);

        Assert.Equal((false, false, true), TowerColours());
        Assert.Equal([true, false], _gpio.Outputs[StationSamples.Green].Levels.Where((_, i) => i < 2));

        _outputs.SetTowerLight(TowerLight.Off);
        Assert.Equal((false, false, false), TowerColours());
    }

    [Fact]
    public void On_Dispose_Every_Output_Goes_Inactive_Then_Is_Released()
    {
        EverythingOn();

        _outputs.Dispose();

        Assert.All(_gpio.Outputs.Values, o =>
        {
            Assert.False(o.IsActive);
            Assert.True(o.IsDisposed);
        });
    }

    [Fact]
    public void On_Cancellation_Every_Output_Goes_Inactive_And_Later_Commands_Are_Ignored()
    {
        EverythingOn();

        _stopping.Cancel();
        _outputs.PulseReject();
        _outputs.ShowSuggestion(Verdict.Fail);
        _outputs.SetTowerLight(TowerLight.Red);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.All(_gpio.Outputs.Values, o => Assert.False(o.IsActive));
        Assert.False(Reject.Levels[^1]);
    }

    [Fact]
    public void All_Inactive_Drives_Every_Output_Inactive_Without_Stopping()
    {
        EverythingOn();

        _outputs.AllInactive();
        Assert.All(_gpio.Outputs.Values, o => Assert.False(o.IsActive));

        _outputs.PulseReject();
        Assert.True(Reject.IsActive);
    }

    [Fact]
    public void A_Missing_Output_Line_Fails_Open_And_Releases_The_Lines_Already_Requested()
    {
        var gpio = new FakeGpioBackend();
        gpio.Missing.Add(StationSamples.Green);

        Assert.Throws<InvalidOperationException>(() =>
            GpioStationOutputs.Open(gpio, StationSamples.OnePosition(TimeSpan.Zero), _time, CancellationToken.None));

        Assert.NotEmpty(gpio.Outputs);
        Assert.All(gpio.Outputs.Values, o => Assert.True(o.IsDisposed));
    }

    public void Dispose()
    {
        _outputs.Dispose();
        _stopping.Dispose();
    }

    private void EverythingOn()
    {
        _outputs.PulseReject();
        _outputs.ShowSuggestion(Verdict.Pass);
        _outputs.SetNeedsHuman(true);
        _outputs.SetTowerLight(TowerLight.Amber);
        Assert.Equal(4, _gpio.Outputs.Values.Count(o => o.IsActive));
    }

    private (bool Green, bool Amber, bool Red) TowerColours() =>
        (_gpio.Outputs[StationSamples.Green].IsActive, _gpio.Outputs[StationSamples.Amber].IsActive, _gpio.Outputs[StationSamples.Red].IsActive);
}

public sealed class StationOutputsFailureTests
{
    [Fact]
    public void A_Line_That_Cannot_Be_Driven_Inactive_Does_Not_Keep_The_Others_Active_Or_Requested()
    {
        var broken = Substitute.For<IOutputLine>();
        broken.When(l => l.SetActive(false)).Do(_ => throw new IOException("line write failed"));
        var reject = new FakeOutputLine();
        var lamp = new FakeOutputLine();
        var outputs = new GpioStationOutputs(
            new StationOutputLines { Reject = reject, NeedsHumanLamp = broken, SuggestPassLamp = lamp },
            TimeSpan.FromMilliseconds(150), new FakeTimeProvider(), CancellationToken.None);
        outputs.PulseReject();
        outputs.ShowSuggestion(Verdict.Pass);

        var e = Assert.Throws<AggregateException>(outputs.Dispose);

        Assert.IsType<IOException>(Assert.Single(e.InnerExceptions));
        Assert.False(reject.IsActive);
        Assert.False(lamp.IsActive);
        Assert.True(reject.IsDisposed && lamp.IsDisposed);
        broken.Received(1).Dispose();
    }
}
