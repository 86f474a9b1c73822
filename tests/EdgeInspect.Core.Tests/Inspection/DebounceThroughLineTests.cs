using EdgeInspect.Core.Inspection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Inspection;

/// <summary>
/// Synthetic edge sequences, timed by a fake clock, go through the line interface into a GPIO inspector input;
/// the presses that come out are counted.
/// </summary>
public sealed class DebounceThroughLineTests
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(20);
    private readonly FakeTimeProvider _time = new();
    private readonly FakeGpioBackend _gpio = new();

    [Fact]
    public void A_5ms_Bounce_Storm_Gives_One_Press()
    {
        var pass = Line(StationSamples.LeftPass);
        BounceStorm(pass, endActive: true);
        Hold(TimeSpan.FromMilliseconds(200));
        BounceStorm(pass, endActive: false);

        var presses = Run();

        var press = Assert.Single(presses);
        Assert.Equal(Verdict.Pass, press.Verdict);
    }

    [Fact]
    public void Two_Presses_300ms_Apart_Give_Two_Presses()
    {
        var fail = Line(StationSamples.LeftFail);
        BounceStorm(fail, endActive: true);
        Hold(TimeSpan.FromMilliseconds(100));
        BounceStorm(fail, endActive: false);
        Hold(TimeSpan.FromMilliseconds(190)); // second press starts 300 ms after the first
        BounceStorm(fail, endActive: true);
        Hold(TimeSpan.FromMilliseconds(100));
        BounceStorm(fail, endActive: false);

        var presses = Run();

        Assert.Equal(2, presses.Count);
        Assert.All(presses, p => Assert.Equal(Verdict.Fail, p.Verdict));
        Assert.Equal(TimeSpan.FromMilliseconds(300), _time.GetElapsedTime(presses[0].MonotonicTimestamp, presses[1].MonotonicTimestamp));
    }

    [Fact]
    public void A_Press_Held_For_10s_Gives_One_Press()
    {
        var pass = Line(StationSamples.LeftPass);
        BounceStorm(pass, endActive: true);
        Hold(TimeSpan.FromSeconds(10));
        BounceStorm(pass, endActive: false);

        Assert.Single(Run());
    }

    [Fact]
    public void A_Release_Shorter_Than_The_Debounce_Time_Does_Not_Start_A_New_Press()
    {
        var pass = Line(StationSamples.LeftPass);
        Edge(pass, true);
        Hold(TimeSpan.FromMilliseconds(100));
        Edge(pass, false);
        Hold(TimeSpan.FromMilliseconds(10));
        Edge(pass, true);
        Hold(TimeSpan.FromMilliseconds(100));
        Edge(pass, false);

        Assert.Single(Run());
    }

    [Fact]
    public void A_Button_Held_When_Watching_Starts_Counts_Only_After_It_Is_Released()
    {
        var pass = Line(StationSamples.LeftPass);
        pass.IsActive = true;
        Hold(TimeSpan.FromSeconds(1));
        Edge(pass, false);
        Hold(TimeSpan.FromMilliseconds(500));
        Edge(pass, true);

        var press = Assert.Single(Run());
        Assert.Equal(_time.GetTimestamp(), press.MonotonicTimestamp);
    }

    [Fact]
    public void A_Press_Is_Stamped_With_Its_First_Edge_And_Carries_Position_And_Inspector()
    {
        var unsure = Line(StationSamples.LeftUnsure);
        var firstEdge = _time.GetTimestamp();
        BounceStorm(unsure, endActive: true);

        var press = Assert.Single(Run());

        Assert.Equal(new InspectorPress("left", "alice", Verdict.Unsure, firstEdge), press);
    }

    [Fact]
    public async Task A_Set_Inspector_Command_Changes_The_Id_Carried_By_Later_Presses()
    {
        using var input = GpioInspectorInput.Open(_gpio, StationSamples.OnePosition(Debounce), _time);
        var pass = _gpio.Inputs[StationSamples.LeftPass];

        Assert.True(input.TrySetInspector("left", "bob"));
        Assert.False(input.TrySetInspector("right", "carol"));
        Edge(pass, true);
        using var cts = new CancellationTokenSource();
        input.Start(cts.Token);

        var press = await input.Presses.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("bob", press.InspectorId);
        Assert.Equal("bob", input.InspectorAt("left"));
    }

    [Fact]
    public async Task A_Line_That_Fails_Completes_The_Presses_With_Its_Error()
    {
        using var input = GpioInspectorInput.Open(_gpio, StationSamples.OnePosition(Debounce), _time);
        _gpio.Inputs[StationSamples.LeftFail].FailWith = new IOException("line read failed");
        input.Start(CancellationToken.None);

        var e = await Assert.ThrowsAsync<IOException>(() => input.Presses.Completion.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("line read failed", e.Message);
    }

    [Fact]
    public async Task Cancelling_Completes_The_Presses_And_Dispose_Releases_Every_Line()
    {
        var input = GpioInspectorInput.Open(_gpio, StationSamples.OnePosition(Debounce), _time);
        using var cts = new CancellationTokenSource();
        input.Start(cts.Token);

        await cts.CancelAsync();
        await input.Presses.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        input.Dispose();

        Assert.Equal(3, _gpio.Inputs.Count);
        Assert.All(_gpio.Inputs.Values, l => Assert.True(l.IsDisposed));
    }

    [Fact]
    public void A_Missing_Line_Fails_Open_And_Releases_The_Lines_Already_Requested()
    {
        _gpio.Missing.Add(StationSamples.LeftFail);

        var e = Assert.Throws<InvalidOperationException>(() => GpioInspectorInput.Open(_gpio, StationSamples.OnePosition(Debounce), _time));

        Assert.Contains("fail button", e.Message);
        Assert.True(_gpio.Inputs[StationSamples.LeftPass].IsDisposed);
    }

    [Fact]
    public async Task The_Part_Present_Sensor_Reports_One_Arrival_Per_Debounced_Part()
    {
        var options = StationSamples.OnePosition(Debounce);
        options.PartPresent = new GpioInputOptions { Line = 4, Debounce = TimeSpan.FromMilliseconds(5) };
        using var sensor = PartPresentSensor.Open(_gpio, options, _time);
        var line = _gpio.Inputs[4];
        var first = _time.GetTimestamp();
        BounceStorm(line, endActive: true);
        Hold(TimeSpan.FromMilliseconds(300));
        BounceStorm(line, endActive: false);
        Hold(TimeSpan.FromMilliseconds(700));
        var second = _time.GetTimestamp();
        BounceStorm(line, endActive: true);

        using var cts = new CancellationTokenSource();
        sensor.Start(cts.Token);
        line.WaitUntilDrained();
        await cts.CancelAsync();

        var arrivals = new List<long>();
        await foreach (var t in sensor.Arrivals.ReadAllAsync())
        {
            arrivals.Add(t);
        }

        Assert.Equal([first, second], arrivals);
    }

    private FakeInputLine Line(int offset)
    {
        // The backend hands out this line when the input opens; its edges are queued before the watcher starts.
        var line = new FakeInputLine();
        _gpio.Inputs[offset] = line;
        return line;
    }

    private List<InspectorPress> Run()
    {
        using var input = GpioInspectorInput.Open(_gpio, StationSamples.OnePosition(Debounce), _time);
        input.Start(CancellationToken.None);
        foreach (var line in _gpio.Inputs.Values)
        {
            line.WaitUntilDrained();
        }

        input.Dispose();
        var presses = new List<InspectorPress>();
        while (input.Presses.TryRead(out var press))
        {
            presses.Add(press);
        }

        return presses;
    }

    /// <summary>Contacts chattering for 5 ms: an edge every 0.5 ms, ending at the given level.</summary>
    private void BounceStorm(FakeInputLine line, bool endActive)
    {
        for (var i = 0; i <= 10; i++)
        {
            line.Edge(i % 2 == 0 ? endActive : !endActive, _time.GetTimestamp());
            if (i < 10)
            {
                _time.Advance(TimeSpan.FromMilliseconds(0.5));
            }
        }
    }

    private void Edge(FakeInputLine line, bool active) => line.Edge(active, _time.GetTimestamp());

    private void Hold(TimeSpan duration) => _time.Advance(duration);
}
