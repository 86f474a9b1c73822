using System.Threading.Channels;

namespace EdgeInspect.Core.Inspection;

/// <summary>Inspector buttons on GPIO lines: one debounced watcher per button.</summary>
public sealed class GpioInspectorInput : InspectorInputBase
{
    private readonly List<InputLineWatcher> _watchers;

    private GpioInspectorInput(InspectorRoster roster, List<InputLineWatcher> watchers)
        : base(roster)
    {
        _watchers = watchers;
    }

    public override string BackendName => "gpiod";

    /// <summary>Requests every button line now, so a missing chip or line fails at startup, naming it.</summary>
    /// <exception cref="Exception">Whatever the backend throws for a line it cannot request; lines already requested are released.</exception>
    public static GpioInspectorInput Open(IGpioBackend backend, InspectorOptions options, TimeProvider time)
    {
        var roster = InspectorRoster.From(options);
        var watchers = new List<InputLineWatcher>();
        GpioInspectorInput? input = null;
        try
        {
            foreach (var position in options.Positions)
            {
                foreach (var (verdict, button) in Buttons(position))
                {
                    var name = position.Name;
                    var purpose = $"inspector '{name}' {verdict.ToString().ToLowerInvariant()} button";
                    var line = backend.OpenInput(options.ChipOf(button), button, purpose);
                    watchers.Add(new InputLineWatcher(
                        line, button.Debounce, time, $"gpio {name} {verdict}",
                        timestamp => input!.Publish(name, verdict, timestamp),
                        fault => input!.Stop(fault)));
                }
            }
        }
        catch
        {
            foreach (var w in watchers)
            {
                w.Dispose();
            }

            throw;
        }

        input = new GpioInspectorInput(roster, watchers);
        return input;
    }

    protected override void OnStart()
    {
        foreach (var w in _watchers)
        {
            w.Start(Stopping);
        }
    }

    protected override void OnDisposed()
    {
        foreach (var w in _watchers)
        {
            w.Dispose();
        }
    }

    private static IEnumerable<(Verdict, GpioInputOptions)> Buttons(InspectorPositionOptions position)
    {
        if (position.Pass is not null)
        {
            yield return (Verdict.Pass, position.Pass);
        }

        if (position.Fail is not null)
        {
            yield return (Verdict.Fail, position.Fail);
        }

        if (position.Unsure is not null)
        {
            yield return (Verdict.Unsure, position.Unsure);
        }
    }
}

/// <summary>
/// The part-present sensor: each debounced arrival of a part, as a timestamp, for triggered capture.
/// Threading: one reader of <see cref="Arrivals"/>; Dispose (or the stopping token) ends it.
/// </summary>
public sealed class PartPresentSensor : IDisposable
{
    private readonly Channel<long> _arrivals = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly InputLineWatcher _watcher;
    private readonly CancellationTokenSource _stop = new();
    private CancellationTokenSource? _linked;
    private int _disposed;

    private PartPresentSensor(IInputLine line, GpioInputOptions options, TimeProvider time)
    {
        _watcher = new InputLineWatcher(line, options.Debounce, time, "gpio part-present",
            timestamp => _arrivals.Writer.TryWrite(timestamp),
            fault => _arrivals.Writer.TryComplete(fault));
    }

    /// <summary>When a part arrived, in <see cref="TimeProvider.GetTimestamp"/> units.</summary>
    public ChannelReader<long> Arrivals => _arrivals.Reader;

    /// <summary>Requests the sensor line; a missing chip or line fails here, naming it.</summary>
    public static PartPresentSensor Open(IGpioBackend backend, InspectorOptions options, TimeProvider time)
    {
        var sensor = options.PartPresent ?? throw new InvalidOperationException("inspector:partPresent is not configured.");
        var line = backend.OpenInput(options.ChipOf(sensor), sensor, "part-present sensor");
        return new PartPresentSensor(line, sensor, time);
    }

    public void Start(CancellationToken stoppingToken)
    {
        _linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _stop.Token);
        _linked.Token.Register(() => _arrivals.Writer.TryComplete());
        _watcher.Start(_linked.Token);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _watcher.Dispose();
        _arrivals.Writer.TryComplete();
        _linked?.Dispose();
        _stop.Dispose();
    }
}
