using System.Collections.Concurrent;
using System.Threading.Channels;

namespace EdgeInspect.Core.Inspection;

/// <summary>
/// Where inspector verdicts come from, whatever the backend (GPIO buttons, keyboard, scripted, none).
/// </summary>
/// <remarks>
/// Threading: <see cref="Presses"/> has a single reader (the pipeline). <see cref="TrySetInspector"/> may be called
/// from any thread, e.g. the MQTT command handler. <see cref="IDisposable.Dispose"/> stops the backend and completes
/// <see cref="Presses"/>; a backend that fails (a GPIO read error) completes it with that exception.
/// </remarks>
public interface IInspectorInput : IDisposable
{
    /// <summary>The backend's name for logs and the status topic: "gpiod", "keyboard", "scripted" or "none".</summary>
    string BackendName { get; }

    /// <summary>Debounced presses in the order they happened.</summary>
    ChannelReader<InspectorPress> Presses { get; }

    /// <summary>Starts listening. Presses stop and <see cref="Presses"/> completes when <paramref name="stoppingToken"/> is cancelled.</summary>
    void Start(CancellationToken stoppingToken);

    /// <summary>Sets who stands at a position from now on (cmd/set-inspector, e.g. after a badge scan). False for an unknown position.</summary>
    bool TrySetInspector(string position, string inspectorId);

    /// <summary>Who stands at a position now; empty when unknown.</summary>
    string InspectorAt(string position);
}

/// <summary>Who stands at each inspector position. Thread-safe: a command may change it while presses are read.</summary>
public sealed class InspectorRoster
{
    private readonly ConcurrentDictionary<string, string> _inspectors = new(StringComparer.Ordinal);

    public InspectorRoster(IEnumerable<(string Position, string InspectorId)> positions)
    {
        foreach (var (position, id) in positions)
        {
            _inspectors[position] = id;
        }
    }

    public IReadOnlyCollection<string> Positions => _inspectors.Keys.ToArray();

    /// <summary>False for an unknown position.</summary>
    /// <exception cref="ArgumentException">The id is blank or holds control characters (<see cref="Names"/>): who pressed must be readable.</exception>
    public bool TrySet(string position, string inspectorId)
    {
        Names.Require(inspectorId, "inspectorId");
        if (!_inspectors.ContainsKey(position))
        {
            return false;
        }

        _inspectors[position] = inspectorId;
        return true;
    }

    public string At(string position) => _inspectors.TryGetValue(position, out var id) ? id : "";

    internal static InspectorRoster From(InspectorOptions options) =>
        new(options.Positions.Select(p => (p.Name, p.InspectorId)));
}

/// <summary>The shared plumbing of every backend: the press channel, the roster and completion.</summary>
public abstract class InspectorInputBase : IInspectorInput
{
    private readonly Channel<InspectorPress> _presses = Channel.CreateUnbounded<InspectorPress>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationToken _stopping;
    private CancellationTokenRegistration _stoppingRegistration;
    private int _disposed;

    protected InspectorInputBase(InspectorRoster roster)
    {
        Roster = roster;

        // Kept apart from the source: a token stays readable after its source is disposed, a source's Token does not.
        _stopping = _stop.Token;
    }

    public abstract string BackendName { get; }

    public ChannelReader<InspectorPress> Presses => _presses.Reader;

    protected InspectorRoster Roster { get; }

    /// <summary>Cancelled on stop or dispose; backends' loops watch it.</summary>
    protected CancellationToken Stopping => _stopping;

    public void Start(CancellationToken stoppingToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _stoppingRegistration = stoppingToken.Register(static s => ((InspectorInputBase)s!).Stop(null), this);
        OnStart();
    }

    public bool TrySetInspector(string position, string inspectorId) => Roster.TrySet(position, inspectorId);

    public string InspectorAt(string position) => Roster.At(position);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stoppingRegistration.Dispose();
        Stop(null);
        OnDisposed();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    protected abstract void OnStart();

    /// <summary>Releases the backend's resources, after its loops have stopped.</summary>
    protected virtual void OnDisposed()
    {
    }

    protected void Publish(string position, Verdict verdict, long monotonicTimestamp) =>
        _presses.Writer.TryWrite(new InspectorPress(position, Roster.At(position), verdict, monotonicTimestamp));

    /// <summary>Stops the backend; a non-null <paramref name="fault"/> completes <see cref="Presses"/> with it.</summary>
    protected void Stop(Exception? fault)
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: nothing is running.
        }

        _presses.Writer.TryComplete(fault);
    }
}

/// <summary>No inspector station: no presses ever. Used when no backend is configured, or allowed to be missing.</summary>
public sealed class NoInspectorInput(InspectorRoster roster) : InspectorInputBase(roster)
{
    public override string BackendName => "none";

    protected override void OnStart()
    {
    }
}
