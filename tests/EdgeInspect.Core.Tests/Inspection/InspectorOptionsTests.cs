using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Core.Tests.Inspection;

public sealed class InspectorOptionsTests
{
    [Fact]
    public void A_Complete_Gpio_Station_Is_Valid()
    {
        Assert.Empty(Errors(StationSamples.OnePosition(TimeSpan.FromMilliseconds(20))));
    }

    [Fact]
    public void Every_Problem_Is_Listed_At_Once_With_Its_Path()
    {
        var options = StationSamples.OnePosition(TimeSpan.FromMilliseconds(-5));
        options.Positions[0].Fail = null;
        options.Positions[0].Unsure!.Line = -1;
        options.Outputs.RejectPulse = TimeSpan.Zero;
        options.Outputs.TowerRed!.Line = StationSamples.LeftPass;
        options.Scripted.ErrorRate = 1.5;

        var paths = Errors(options).Select(e => e.Path).ToList();

        Assert.Contains("inspector:positions:0:pass:debounce", paths);
        Assert.Contains("inspector:positions:0:fail", paths);
        Assert.Contains("inspector:positions:0:unsure:line", paths);
        Assert.Contains("inspector:outputs:rejectPulse", paths);
        Assert.Contains("inspector:outputs:towerRed:line", paths);
        Assert.Contains("inspector:scripted:errorRate", paths);
    }

    [Fact]
    public void A_Line_Used_Twice_Names_Both_Uses()
    {
        var options = StationSamples.OnePosition(TimeSpan.FromMilliseconds(20));
        options.Outputs.Reject!.Line = StationSamples.LeftFail;

        var error = Assert.Single(Errors(options));

        Assert.Equal("inspector:outputs:reject:line", error.Path);
        Assert.Contains("inspector:positions:0:fail", error.Problem);
    }

    [Fact]
    public void The_Same_Offset_On_Another_Chip_Is_A_Different_Line()
    {
        var options = StationSamples.OnePosition(TimeSpan.FromMilliseconds(20));
        options.Outputs.Reject!.Line = StationSamples.LeftFail;
        options.Outputs.Reject.Chip = "gpiochip1";

        Assert.Empty(Errors(options));
    }

    [Fact]
    public void A_Gpio_Backend_Without_Positions_Is_Invalid()
    {
        var error = Assert.Single(Errors(new InspectorOptions { Backend = InspectorBackendKind.Gpiod }));
        Assert.Equal("inspector:positions", error.Path);
    }

    [Fact]
    public void A_Keyboard_Position_Must_Be_A_Configured_One()
    {
        var options = StationSamples.OnePosition(TimeSpan.FromMilliseconds(20));
        options.KeyboardPosition = "right";

        Assert.Equal("inspector:keyboardPosition", Assert.Single(Errors(options)).Path);
    }

    private static List<ConfigError> Errors(InspectorOptions options)
    {
        var errors = new List<ConfigError>();
        options.Validate(InspectorOptions.SectionName, errors);
        return errors;
    }
}

public sealed class InspectorStartupCheckTests
{
    [Fact]
    public void A_Mode_That_Needs_Humans_Refuses_To_Start_Without_A_Backend()
    {
        var reason = InspectorStartupCheck.RefusalReason(new InspectorOptions(), modeNeedsHuman: true, backendFailure: null);

        Assert.NotNull(reason);
        Assert.Contains("inspector:backend is none", reason);
        Assert.Contains("allowRunWithoutInspector", reason);
    }

    [Fact]
    public void A_Mode_That_Needs_Humans_Starts_Without_A_Backend_When_Explicitly_Allowed()
    {
        var options = new InspectorOptions { AllowRunWithoutInspector = true };
        Assert.Null(InspectorStartupCheck.RefusalReason(options, modeNeedsHuman: true, backendFailure: null));
    }

    [Fact]
    public void A_Mode_Without_Humans_Starts_Without_A_Backend()
    {
        Assert.Null(InspectorStartupCheck.RefusalReason(new InspectorOptions(), modeNeedsHuman: false, backendFailure: null));
    }

    [Fact]
    public void A_Configured_Backend_That_Fails_Refuses_Start_With_Its_Error_Unless_Allowed()
    {
        var options = new InspectorOptions { Backend = InspectorBackendKind.Gpiod };
        var failure = new InvalidOperationException("Cannot open GPIO chip 'gpiochip0'");

        var reason = InspectorStartupCheck.RefusalReason(options, modeNeedsHuman: false, failure);
        Assert.NotNull(reason);
        Assert.Contains("'gpiod' did not start: Cannot open GPIO chip 'gpiochip0'", reason);

        options.AllowRunWithoutInspector = true;
        Assert.Null(InspectorStartupCheck.RefusalReason(options, modeNeedsHuman: true, failure));
    }
}
