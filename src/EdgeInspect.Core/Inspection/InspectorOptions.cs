using EdgeInspect.Core.Configuration;

namespace EdgeInspect.Core.Inspection;

/// <summary>Where inspector verdicts come from.</summary>
public enum InspectorBackendKind
{
    /// <summary>No inspector station. Modes that need human input refuse to start unless explicitly allowed.</summary>
    None,

    /// <summary>Buttons and sensor on GPIO lines through libgpiod.</summary>
    Gpiod,

    /// <summary>p/f/u keys in a terminal, for trying a station on a laptop.</summary>
    Keyboard,

    /// <summary>An inspector answering from ground-truth labels with a configured error rate (demo, replay, tests).</summary>
    Scripted,
}

/// <summary>The station's inspector section: positions, buttons, sensor, outputs and the backend.</summary>
public sealed class InspectorOptions : IConfigSection
{
    public const string SectionName = "inspector";

    public InspectorBackendKind Backend { get; set; } = InspectorBackendKind.None;

    /// <summary>
    /// Lets a mode that needs human input run without a working inspector backend (a bench test, a demo without buttons).
    /// Off by default: on a line, verdicts without an inspector would silently lose the ground truth and the safety net.
    /// </summary>
    public bool AllowRunWithoutInspector { get; set; }

    /// <summary>The chip every line is on unless the line names its own, e.g. "gpiochip0" (Raspberry Pi 4 and 5).</summary>
    public string Chip { get; set; } = "gpiochip0";

    public List<InspectorPositionOptions> Positions { get; set; } = [];

    /// <summary>The part-present sensor, which can trigger capture. Optional.</summary>
    public GpioInputOptions? PartPresent { get; set; }

    public StationOutputOptions Outputs { get; set; } = new();

    public ScriptedInspectorOptions Scripted { get; set; } = new();

    /// <summary>The position keyboard presses are attributed to; the first configured position when empty.</summary>
    public string KeyboardPosition { get; set; } = "";

    public void Validate(string path, ICollection<ConfigError> errors)
    {
        if (!Enum.IsDefined(Backend))
        {
            errors.Add(new(ConfigPath.Join(path, "backend"), $"is {Backend}", "one of none, gpiod, keyboard, scripted"));
        }

        if (Names.Problem(Chip) is { } chipProblem)
        {
            errors.Add(new(ConfigPath.Join(path, "chip"), chipProblem, "a GPIO chip name such as gpiochip0 (`gpiodetect` lists them)"));
        }

        if (Backend == InspectorBackendKind.Gpiod && Positions.Count == 0)
        {
            errors.Add(new(ConfigPath.Join(path, "positions"), "is empty while backend is gpiod",
                "at least one inspector position with pass and fail buttons"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Positions.Count; i++)
        {
            var position = Positions[i];
            var positionPath = ConfigPath.Join(ConfigPath.Join(path, "positions"), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (position is null)
            {
                errors.Add(new(positionPath, "is empty", "a position with a name and pass and fail buttons"));
                continue;
            }

            position.Validate(positionPath, errors, requireButtons: Backend == InspectorBackendKind.Gpiod);
            if (!string.IsNullOrWhiteSpace(position.Name) && !names.Add(position.Name))
            {
                errors.Add(new(ConfigPath.Join(positionPath, "name"), $"repeats '{position.Name}'", "a name unique among the positions"));
            }
        }

        PartPresent?.Validate(ConfigPath.Join(path, "partPresent"), errors);
        Outputs.Validate(ConfigPath.Join(path, "outputs"), errors);
        Scripted.Validate(ConfigPath.Join(path, "scripted"), errors);

        if (KeyboardPosition is null)
        {
            errors.Add(new(ConfigPath.Join(path, "keyboardPosition"), "is null", "the name of one of inspector:positions, or empty for the first"));
        }
        else if (KeyboardPosition.Length > 0 && !names.Contains(KeyboardPosition))
        {
            errors.Add(new(ConfigPath.Join(path, "keyboardPosition"), $"is '{KeyboardPosition}', which is no configured position",
                "the name of one of inspector:positions, or empty for the first"));
        }

        ValidateNoLineUsedTwice(path, errors);
    }

    /// <summary>The chip a line is on: its own, or the section's.</summary>
    public string ChipOf(GpioLineOptions line) => string.IsNullOrWhiteSpace(line.Chip) ? Chip : line.Chip;

    /// <summary>Every configured line with its config path, so errors and checks can name it.</summary>
    public IEnumerable<(string Path, GpioLineOptions Line)> AllLines(string path)
    {
        for (var i = 0; i < Positions.Count; i++)
        {
            var p = Positions[i];
            if (p is null)
            {
                continue;
            }

            var positionPath = ConfigPath.Join(ConfigPath.Join(path, "positions"), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (p.Pass is not null)
            {
                yield return (ConfigPath.Join(positionPath, "pass"), p.Pass);
            }

            if (p.Fail is not null)
            {
                yield return (ConfigPath.Join(positionPath, "fail"), p.Fail);
            }

            if (p.Unsure is not null)
            {
                yield return (ConfigPath.Join(positionPath, "unsure"), p.Unsure);
            }
        }

        if (PartPresent is not null)
        {
            yield return (ConfigPath.Join(path, "partPresent"), PartPresent);
        }

        foreach (var (name, line) in Outputs.Lines())
        {
            yield return (ConfigPath.Join(ConfigPath.Join(path, "outputs"), name), line);
        }
    }

    private void ValidateNoLineUsedTwice(string path, ICollection<ConfigError> errors)
    {
        var seen = new Dictionary<(string Chip, int Line), string>();
        foreach (var (linePath, line) in AllLines(path))
        {
            (string Chip, int Line) key = (ChipOf(line), line.Line);
            if (seen.TryGetValue(key, out var first))
            {
                errors.Add(new(ConfigPath.Join(linePath, "line"), $"is {key.Chip} line {key.Line}, already used by {first}",
                    "a line no other input or output uses"));
            }
            else
            {
                seen[key] = linePath;
            }
        }
    }
}

/// <summary>One inspector position: its buttons and who stands there.</summary>
public sealed class InspectorPositionOptions
{
    /// <summary>The position's name, e.g. "left"; it is carried by every press.</summary>
    public string Name { get; set; } = "";

    /// <summary>The inspector at this position, until a set-inspector command replaces it. Empty when unknown.</summary>
    public string InspectorId { get; set; } = "";

    public GpioInputOptions? Pass { get; set; }

    public GpioInputOptions? Fail { get; set; }

    /// <summary>Optional third button.</summary>
    public GpioInputOptions? Unsure { get; set; }

    internal void Validate(string path, ICollection<ConfigError> errors, bool requireButtons)
    {
        if (Names.Problem(Name) is { } nameProblem)
        {
            errors.Add(new(ConfigPath.Join(path, "name"), nameProblem, "a position name such as left"));
        }

        // Empty means "unknown until a badge scan or set-inspector"; anything else must be a readable id.
        if (InspectorId is not { Length: 0 } && Names.Problem(InspectorId) is { } idProblem)
        {
            errors.Add(new(ConfigPath.Join(path, "inspectorId"), idProblem, "an inspector id such as \"badge-0042\", or empty when unknown"));
        }

        if (requireButtons && Pass is null)
        {
            errors.Add(new(ConfigPath.Join(path, "pass"), "is missing", "the pass button's line"));
        }

        if (requireButtons && Fail is null)
        {
            errors.Add(new(ConfigPath.Join(path, "fail"), "is missing", "the fail button's line"));
        }

        Pass?.Validate(ConfigPath.Join(path, "pass"), errors);
        Fail?.Validate(ConfigPath.Join(path, "fail"), errors);
        Unsure?.Validate(ConfigPath.Join(path, "unsure"), errors);
    }
}

/// <summary>A GPIO line: which chip and offset, and its polarity.</summary>
public class GpioLineOptions
{
    /// <summary>The chip; empty means the inspector section's chip.</summary>
    public string Chip { get; set; } = "";

    /// <summary>The line offset on the chip. On a Raspberry Pi's gpiochip0 this is the BCM GPIO number, not the header pin.</summary>
    public int Line { get; set; } = -1;

    /// <summary>True when the line reads low (or is driven low) while active, e.g. a button to ground with a pull-up.</summary>
    public bool ActiveLow { get; set; }

    internal virtual void Validate(string path, ICollection<ConfigError> errors)
    {
        if (Chip is not { Length: 0 } && Names.Problem(Chip) is { } chipProblem)
        {
            errors.Add(new(ConfigPath.Join(path, "chip"), chipProblem, "a GPIO chip name such as gpiochip0, or empty for the inspector section's chip"));
        }

        if (Line < 0)
        {
            errors.Add(new(ConfigPath.Join(path, "line"), Line == -1 ? "is missing" : $"is {Line}",
                "a line offset of 0 or more (the BCM GPIO number on a Raspberry Pi)"));
        }
    }
}

/// <summary>An input line: a button or the part-present sensor.</summary>
public sealed class GpioInputOptions : GpioLineOptions
{
    public static readonly TimeSpan MaximumDebounce = TimeSpan.FromSeconds(1);

    public LineBias Bias { get; set; } = LineBias.AsIs;

    /// <summary>How long the line must stay quiet and released before another press counts (see <see cref="Debouncer"/>).</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(20);

    internal override void Validate(string path, ICollection<ConfigError> errors)
    {
        base.Validate(path, errors);
        if (!Enum.IsDefined(Bias))
        {
            errors.Add(new(ConfigPath.Join(path, "bias"), $"is {Bias}", "one of asIs, disabled, pullUp, pullDown"));
        }

        if (Debounce < TimeSpan.Zero || Debounce > MaximumDebounce)
        {
            errors.Add(new(ConfigPath.Join(path, "debounce"), $"is {Debounce}",
                "a TimeSpan from 00:00:00 to 00:00:01, such as 00:00:00.020"));
        }
    }
}

/// <summary>An output line: a lamp or the reject actuator.</summary>
public sealed class GpioOutputOptions : GpioLineOptions;

/// <summary>The station's outputs. Each is optional; an unconfigured output is simply not driven.</summary>
public sealed class StationOutputOptions
{
    public static readonly TimeSpan MaximumRejectPulse = TimeSpan.FromSeconds(10);

    /// <summary>Assist mode: the model suggests pass.</summary>
    public GpioOutputOptions? SuggestPassLamp { get; set; }

    /// <summary>Assist mode: the model suggests fail.</summary>
    public GpioOutputOptions? SuggestFailLamp { get; set; }

    /// <summary>Partial mode: the model is unsure, the inspector must decide this part.</summary>
    public GpioOutputOptions? NeedsHumanLamp { get; set; }

    /// <summary>Canary and live: the actuator that pushes a failed part off the line.</summary>
    public GpioOutputOptions? Reject { get; set; }

    /// <summary>How long the reject actuator is energised per rejected part.</summary>
    public TimeSpan RejectPulse { get; set; } = TimeSpan.FromMilliseconds(150);

    public GpioOutputOptions? TowerGreen { get; set; }

    public GpioOutputOptions? TowerAmber { get; set; }

    public GpioOutputOptions? TowerRed { get; set; }

    /// <summary>The configured outputs with their config names.</summary>
    public IEnumerable<(string Name, GpioOutputOptions Line)> Lines()
    {
        (string, GpioOutputOptions?)[] all =
        [
            ("suggestPassLamp", SuggestPassLamp), ("suggestFailLamp", SuggestFailLamp), ("needsHumanLamp", NeedsHumanLamp),
            ("reject", Reject), ("towerGreen", TowerGreen), ("towerAmber", TowerAmber), ("towerRed", TowerRed),
        ];
        foreach (var (name, line) in all)
        {
            if (line is not null)
            {
                yield return (name, line);
            }
        }
    }

    internal void Validate(string path, ICollection<ConfigError> errors)
    {
        foreach (var (name, line) in Lines())
        {
            line.Validate(ConfigPath.Join(path, name), errors);
        }

        if (Reject is not null && (RejectPulse <= TimeSpan.Zero || RejectPulse > MaximumRejectPulse))
        {
            errors.Add(new(ConfigPath.Join(path, "rejectPulse"), $"is {RejectPulse}",
                "a TimeSpan above zero and at most 00:00:10, such as 00:00:00.150"));
        }
    }
}

/// <summary>The scripted inspector: how often it is wrong or unsure, and how long it takes to answer.</summary>
public sealed class ScriptedInspectorOptions
{
    /// <summary>The position its presses carry; the first configured position when empty, else "scripted".</summary>
    public string Position { get; set; } = "";

    public string InspectorId { get; set; } = "scripted";

    /// <summary>Probability that a pass/fail answer is the opposite of the ground truth (human inspectors: a few percent).</summary>
    public double ErrorRate { get; set; } = 0.02;

    /// <summary>Probability of answering "unsure" instead of pass or fail.</summary>
    public double UnsureRate { get; set; }

    /// <summary>Time from a part being presented to the press.</summary>
    public TimeSpan ResponseDelay { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Uniform extra delay from zero to this, per part. Presses still come in part order.</summary>
    public TimeSpan ResponseJitter { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>Seed of the random answers, so a demo or a replay is reproducible.</summary>
    public int Seed { get; set; } = 20_240_601;

    internal void Validate(string path, ICollection<ConfigError> errors)
    {
        if (Position is not { Length: 0 } && Names.Problem(Position) is { } positionProblem)
        {
            errors.Add(new(ConfigPath.Join(path, "position"), positionProblem, "a position name such as left, or empty for the first position"));
        }

        if (Names.Problem(InspectorId) is { } idProblem)
        {
            errors.Add(new(ConfigPath.Join(path, "inspectorId"), idProblem, "the id its presses carry, such as \"scripted\""));
        }

        if (!(ErrorRate is >= 0 and <= 1))
        {
            errors.Add(new(ConfigPath.Join(path, "errorRate"), $"is {ErrorRate}", "a probability from 0 to 1, such as 0.02"));
        }

        if (!(UnsureRate is >= 0 and <= 1))
        {
            errors.Add(new(ConfigPath.Join(path, "unsureRate"), $"is {UnsureRate}", "a probability from 0 to 1, such as 0"));
        }

        if (ResponseDelay < TimeSpan.Zero)
        {
            errors.Add(new(ConfigPath.Join(path, "responseDelay"), $"is {ResponseDelay}", "a TimeSpan of zero or more, such as 00:00:00.800"));
        }

        if (ResponseJitter < TimeSpan.Zero)
        {
            errors.Add(new(ConfigPath.Join(path, "responseJitter"), $"is {ResponseJitter}", "a TimeSpan of zero or more, such as 00:00:00.400"));
        }
    }
}
