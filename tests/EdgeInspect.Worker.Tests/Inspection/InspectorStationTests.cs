using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Tests.Shared;
using EdgeInspect.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace EdgeInspect.Worker.Tests.Inspection;

public sealed class InspectorStationTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_Mode_That_Needs_Humans_Refuses_To_Start_Without_An_Inspector_Backend()
    {
        var e = Assert.Throws<InspectorStartupException>(() =>
            InspectorStation.Create(new InspectorOptions(), modeNeedsHuman: true, _time, CancellationToken.None));

        Assert.Contains("inspector:backend is none", e.Message);
    }

    [Fact]
    public void A_Mode_That_Needs_Humans_Runs_Without_One_When_The_Config_Allows_It_And_Says_So()
    {
        using var station = InspectorStation.Create(
            new InspectorOptions { AllowRunWithoutInspector = true }, modeNeedsHuman: true, _time, CancellationToken.None);

        Assert.Equal("none", station.Input.BackendName);
        Assert.IsType<NoStationOutputs>(station.Outputs);
        Assert.Contains("allowRunWithoutInspector", Assert.Single(station.Warnings));
    }

    [Fact]
    public void The_Scripted_Backend_Is_Reachable_For_The_Demo_And_Replays()
    {
        var options = new InspectorOptions
        {
            Backend = InspectorBackendKind.Scripted,
            Scripted = new ScriptedInspectorOptions { ErrorRate = 0, ResponseDelay = TimeSpan.Zero, ResponseJitter = TimeSpan.Zero },
        };
        using var station = InspectorStation.Create(options, modeNeedsHuman: true, _time, CancellationToken.None);

        Assert.IsType<ScriptedInspector>(station.Input).Present("part-1", Verdict.Fail, _time.GetTimestamp());

        Assert.True(station.Input.Presses.TryRead(out var press));
        Assert.Equal(Verdict.Fail, press.Verdict);
        Assert.Empty(station.Warnings);
    }

    [Fact]
    public void An_Invalid_Section_Is_Refused_With_Every_Problem_Listed()
    {
        var options = new InspectorOptions { Backend = InspectorBackendKind.Gpiod, Scripted = new ScriptedInspectorOptions { ErrorRate = 2 } };

        var e = Assert.Throws<InspectorStartupException>(() =>
            InspectorStation.Create(options, modeNeedsHuman: false, _time, CancellationToken.None, Substitute.For<IGpioBackend>()));

        Assert.Contains("inspector:positions", e.Message);
        Assert.Contains("inspector:scripted:errorRate", e.Message);
    }

    [Fact]
    public void Disposing_The_Station_Drives_Every_Output_Inactive_Before_Releasing_It()
    {
        var gpio = Substitute.For<IGpioBackend>();
        var lines = new List<IOutputLine>();
        gpio.OpenOutput(default!, default!, default!).ReturnsForAnyArgs(_ =>
        {
            var line = Substitute.For<IOutputLine>();
            lines.Add(line);
            return line;
        });
        var options = SampleWiring();
        options.Backend = InspectorBackendKind.Scripted;
        options.PartPresent = null;

        var station = InspectorStation.Create(options, modeNeedsHuman: true, _time, CancellationToken.None, gpio);
        station.Outputs.PulseReject();
        station.Dispose();

        Assert.Equal(7, lines.Count);
        Assert.All(lines, line => Received.InOrder(() =>
        {
            line.SetActive(false);
            line.Dispose();
        }));
        gpio.Received(1).Dispose();
    }

    [Fact]
    public void The_Sample_Station_Wiring_Binds_And_Is_Valid()
    {
        var options = SampleWiring();

        var errors = new List<ConfigError>();
        options.Validate(InspectorOptions.SectionName, errors);

        Assert.Empty(errors);
        Assert.Equal(InspectorBackendKind.Gpiod, options.Backend);
        Assert.Equal(["left", "right"], options.Positions.Select(p => p.Name));
        Assert.Equal(LineBias.PullUp, options.Positions[0].Pass!.Bias);
        Assert.Equal(TimeSpan.FromMilliseconds(20), options.Positions[0].Pass!.Debounce);
        Assert.Equal(TimeSpan.FromMilliseconds(150), options.Outputs.RejectPulse);
        Assert.Equal(26, options.Outputs.Reject!.Line);
        Assert.Equal(7, options.Outputs.Lines().Count());
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void On_A_Machine_Without_Gpio_The_Station_Refuses_To_Start_Naming_The_Chip_The_Line_And_The_Fix()
    {
        // The real libgpiod: this machine has no /dev/gpiochip0.
        var e = Assert.Throws<InspectorStartupException>(() =>
            InspectorStation.Create(SampleWiring(), modeNeedsHuman: true, TimeProvider.System, CancellationToken.None));

        Assert.Contains("'gpiochip0'", e.Message);
        Assert.Contains("line 17 (inspector 'left' pass button)", e.Message);
        Assert.Contains("Fix:", e.Message);
        Assert.Contains("allowRunWithoutInspector", e.Message);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Allowing_A_Missing_Inspector_Does_Not_Allow_Missing_Outputs()
    {
        var options = SampleWiring();
        options.AllowRunWithoutInspector = true;

        var e = Assert.Throws<InspectorStartupException>(() =>
            InspectorStation.Create(options, modeNeedsHuman: true, TimeProvider.System, CancellationToken.None));

        Assert.StartsWith("The station outputs did not start", e.Message);
        Assert.Contains("line 26 (reject actuator)", e.Message);
    }

    private static InspectorOptions SampleWiring()
    {
        var config = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepoPaths.Root, "firmware-config", "gpio", "station-wiring.json"))
            .Build();
        return config.GetSection(InspectorOptions.SectionName).Get<InspectorOptions>()
               ?? throw new InvalidOperationException("no inspector section");
    }
}
