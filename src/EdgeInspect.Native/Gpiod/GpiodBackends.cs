using EdgeInspect.Core.Inspection;
using EdgeInspect.Native.Gpiod.V2;

namespace EdgeInspect.Native.Gpiod;

/// <summary>Where the station gets its <see cref="IGpioBackend"/>: the one for the libgpiod that loads.</summary>
public static class GpiodBackends
{
    /// <summary>
    /// A backend for <see cref="GpiodLibrary.Selected"/>, chosen when the first line is opened: creating it loads nothing,
    /// so a missing libgpiod surfaces where a missing chip does, as an error of that line's request.
    /// </summary>
    /// <param name="time">The station clock.</param>
    public static IGpioBackend Create(TimeProvider time) => new FirstUse(time);

    /// <summary>The backend for <paramref name="library"/>'s API.</summary>
    /// <exception cref="InvalidOperationException">
    /// A libgpiod 1.6 other than the process's choice: the 1.6 binding resolves by soname to <see cref="GpiodLibrary.Selected"/>.
    /// </exception>
    public static IGpioBackend Create(GpiodLibrary library, TimeProvider time)
    {
        if (library.Api == GpiodApi.V2)
        {
            return new GpiodV2Backend(library, time);
        }

        var selected = GpiodLibrary.Selected();
        return selected.Handle == library.Handle
            ? new GpiodBackend(time)
            : throw new InvalidOperationException($"libgpiod {library} is not this process's libgpiod ({selected}); the 1.6 binding can only use the latter.");
    }

    /// <summary>Defers the choice of library, and so its loading, to the first request.</summary>
    private sealed class FirstUse(TimeProvider time) : IGpioBackend
    {
        private readonly Lock _gate = new();
        private IGpioBackend? _backend;
        private bool _disposed;

        public IInputLine OpenInput(string chip, GpioInputOptions input, string purpose) => Backend().OpenInput(chip, input, purpose);

        public IOutputLine OpenOutput(string chip, GpioOutputOptions output, string purpose) => Backend().OpenOutput(chip, output, purpose);

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _backend?.Dispose();
            }
        }

        private IGpioBackend Backend()
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _backend ??= Create(GpiodLibrary.Selected(), time);
            }
        }
    }
}
