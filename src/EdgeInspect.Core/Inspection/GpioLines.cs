namespace EdgeInspect.Core.Inspection;

/// <summary>The internal pull resistor an input line asks for.</summary>
public enum LineBias
{
    /// <summary>Leave the pin as the board or device tree configured it.</summary>
    AsIs,

    /// <summary>No pull resistor: the wiring provides one.</summary>
    Disabled,
    PullUp,
    PullDown,
}

/// <summary>One change of an input line's logical level (active-low already applied).</summary>
/// <param name="IsActive">True when the line became active (button pressed, part present).</param>
/// <param name="Timestamp">When, in <see cref="TimeProvider.GetTimestamp"/> units of the station's clock.</param>
public readonly record struct LineEdge(bool IsActive, long Timestamp);

/// <summary>
/// A requested input line that reports both edges. Only one thread reads a line: the watcher that owns it.
/// </summary>
public interface IInputLine : IDisposable
{
    /// <summary>The logical level now (true = active).</summary>
    bool IsActive { get; }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the next edge. Returns false when none came. The bounded wait is what
    /// makes a watcher cancellable: it checks its token between waits.
    /// </summary>
    bool TryWaitForEdge(TimeSpan timeout, out LineEdge edge);
}

/// <summary>A requested output line. Implementations request it inactive, so a fresh request never energises anything.</summary>
public interface IOutputLine : IDisposable
{
    void SetActive(bool active);
}

/// <summary>Where lines come from: libgpiod on a device, a fake in tests.</summary>
public interface IGpioBackend : IDisposable
{
    /// <param name="chip">The chip name, e.g. "gpiochip0".</param>
    /// <param name="input">Offset, polarity and bias.</param>
    /// <param name="purpose">What the line is for, e.g. "inspector 'left' pass button"; it appears in errors and as the consumer.</param>
    IInputLine OpenInput(string chip, GpioInputOptions input, string purpose);

    /// <summary>Requests the line as an output at its inactive level.</summary>
    IOutputLine OpenOutput(string chip, GpioOutputOptions output, string purpose);
}
