using EdgeInspect.Core.Configuration;
using EdgeInspect.Core.Inspection;
using EdgeInspect.Native;
using EdgeInspect.Native.Gpiod;

namespace EdgeInspect.Worker.Hosting;

/// <summary>
/// The inspector station as configured: where verdicts come from, the outputs that act on the line, and the optional
/// part-present sensor. Built once at startup by <see cref="Create"/>, which refuses to build a station that cannot work.
/// </summary>
/// <remarks>
/// Dispose order is outputs first, so the reject and the lamps are inactive before anything else is torn down.
/// </remarks>
public sealed class InspectorStation : IDisposable
{
    private readonly IGpioBackend? _gpio;
    private readonly UnhandledExceptionEventHandler _crashHandler;
    private int _disposed;

    private InspectorStation(IInspectorInput input, IStationOutputs outputs, PartPresentSensor? partPresent, IGpioBackend? gpio, IReadOnlyList<string> warnings)
    {
        Input = input;
        Outputs = outputs;
        PartPresent = partPresent;
        _gpio = gpio;
        Warnings = warnings;

        // Last chance on a crash: the kernel would release the lines but leave them at their last level.
        _crashHandler = (_, _) =>
        {
            try
            {
                Outputs.AllInactive();
            }
            catch
            {
                // The process is going down anyway; nothing better to do with a second failure.
            }
        };
        AppDomain.CurrentDomain.UnhandledException += _crashHandler;
    }

    /// <summary>Where verdicts come from. The pipeline reads <see cref="IInspectorInput.Presses"/>.</summary>
    public IInspectorInput Input { get; }

    /// <summary>Lamps, reject and tower light. Does nothing when no output is configured.</summary>
    public IStationOutputs Outputs { get; }

    /// <summary>The part-present sensor, when configured.</summary>
    public PartPresentSensor? PartPresent { get; }

    /// <summary>What the station runs without, for the log at startup (e.g. no inspector, explicitly allowed).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Builds the station and requests every GPIO line, so any problem shows at startup.</summary>
    /// <param name="options">The inspector section.</param>
    /// <param name="modeNeedsHuman">True when the mode takes verdicts from inspectors (shadow, assist, partial, canary).</param>
    /// <param name="time">The station clock.</param>
    /// <param name="stoppingToken">When cancelled, the outputs go inactive for good and the inputs stop.</param>
    /// <param name="gpio">The GPIO lines; libgpiod when null. The station owns it.</param>
    /// <param name="keys">The keyboard backend's keys; the terminal when null.</param>
    /// <exception cref="InspectorStartupException">The config is invalid, a line cannot be requested, or the mode needs an inspector the station lacks.</exception>
    public static InspectorStation Create(
        InspectorOptions options, bool modeNeedsHuman, TimeProvider time, CancellationToken stoppingToken,
        IGpioBackend? gpio = null, IKeySource? keys = null)
    {
        var errors = new List<ConfigError>();
        options.Validate(InspectorOptions.SectionName, errors);
        if (errors.Count > 0)
        {
            throw new InspectorStartupException(
                "The inspector section of the station config is invalid:" + string.Concat(errors.Select(e => $"{Environment.NewLine}  {e}")));
        }

        var needsGpio = options.Backend == InspectorBackendKind.Gpiod || options.PartPresent is not null || options.Outputs.Lines().Any();
        gpio ??= needsGpio ? GpiodBackends.Create(time) : null;
        var warnings = new List<string>();
        IInspectorInput? input = null;
        IStationOutputs? outputs = null;
        PartPresentSensor? sensor = null;
        try
        {
            input = OpenInput(options, modeNeedsHuman, time, gpio, keys, warnings);
            outputs = gpio is not null && options.Outputs.Lines().Any()
                ? Required(() => GpioStationOutputs.Open(gpio, options, time, stoppingToken), "station outputs")
                : new NoStationOutputs();
            sensor = gpio is not null && options.PartPresent is not null
                ? Required(() => PartPresentSensor.Open(gpio, options, time), "part-present sensor")
                : null;
            var station = new InspectorStation(input, outputs, sensor, gpio, warnings);
            station.Start(stoppingToken);
            return station;
        }
        catch
        {
            outputs?.Dispose();
            input?.Dispose();
            sensor?.Dispose();
            gpio?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.UnhandledException -= _crashHandler;
        try
        {
            Outputs.Dispose();
        }
        finally
        {
            // An output that could not be driven inactive is reported, but must not keep the inputs running.
            Input.Dispose();
            PartPresent?.Dispose();
            _gpio?.Dispose();
        }
    }

    private void Start(CancellationToken stoppingToken)
    {
        Input.Start(stoppingToken);
        PartPresent?.Start(stoppingToken);
    }

    private static IInspectorInput OpenInput(
        InspectorOptions options, bool modeNeedsHuman, TimeProvider time, IGpioBackend? gpio, IKeySource? keys, List<string> warnings)
    {
        Exception? failure = null;
        try
        {
            switch (options.Backend)
            {
                case InspectorBackendKind.Gpiod:
                    return GpioInspectorInput.Open(gpio!, options, time);
                case InspectorBackendKind.Keyboard:
                    return new KeyboardInspectorInput(keys ?? new ConsoleKeySource(), KeyboardInspectorInput.PositionFor(options),
                        new InspectorRoster(options.Positions.Select(p => (p.Name, p.InspectorId))
                            .DefaultIfEmpty((KeyboardInspectorInput.PositionFor(options), ""))), time);
                case InspectorBackendKind.Scripted:
                    return ScriptedInspector.Create(options, time);
            }
        }
        catch (Exception e) when (e is GpiodException or NativeLibraryMissingException or InvalidOperationException or IOException)
        {
            failure = e;
        }

        if (InspectorStartupCheck.RefusalReason(options, modeNeedsHuman, failure) is { } refusal)
        {
            throw new InspectorStartupException(refusal, failure);
        }

        if (failure is not null)
        {
            warnings.Add($"Running without an inspector (allowed by inspector:allowRunWithoutInspector): {failure.Message}");
        }
        else if (modeNeedsHuman)
        {
            warnings.Add("Running without an inspector although the mode takes inspector verdicts (allowed by inspector:allowRunWithoutInspector).");
        }

        return new NoInspectorInput(new InspectorRoster(options.Positions.Select(p => (p.Name, p.InspectorId))));
    }

    private static T Required<T>(Func<T> open, string what)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is GpiodException or NativeLibraryMissingException)
        {
            // Outputs and the sensor act on the line: unlike the inspector, running without them is never an option.
            throw new InspectorStartupException($"The {what} did not start: {e.Message}", e);
        }
    }
}
