namespace EdgeInspect.Core.Inspection;

/// <summary>
/// Reads one input line on its own thread, debounces it and reports each press. The thread blocks in the line's
/// bounded wait, so a stop is seen within <see cref="WaitSlice"/>.
/// </summary>
internal sealed class InputLineWatcher : IDisposable
{
    public static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(100);

    private readonly IInputLine _line;
    private readonly Debouncer _debouncer;
    private readonly Action<long> _onPress;
    private readonly Action<Exception> _onFault;
    private readonly string _name;
    private Thread? _thread;
    private CancellationToken _stopping;

    public InputLineWatcher(IInputLine line, TimeSpan debounce, TimeProvider time, string name, Action<long> onPress, Action<Exception> onFault)
    {
        _line = line;
        _name = name;
        _onPress = onPress;
        _onFault = onFault;
        _debouncer = new Debouncer(debounce, time, line.IsActive);
    }

    public void Start(CancellationToken stopping)
    {
        _stopping = stopping;
        _thread = new Thread(Run) { IsBackground = true, Name = _name };
        _thread.Start();
    }

    /// <summary>Waits for the thread to leave its loop (the caller has cancelled), then releases the line.</summary>
    public void Dispose()
    {
        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            _thread.Join(WaitSlice * 5);
        }

        _line.Dispose();
    }

    private void Run()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                if (_line.TryWaitForEdge(WaitSlice, out var edge) && _debouncer.OnEdge(edge))
                {
                    _onPress(edge.Timestamp);
                }
            }
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            // A dedicated thread has no caller to throw to: hand the fault to the owner, which completes its stream with it.
            _onFault(e);
        }
    }
}
