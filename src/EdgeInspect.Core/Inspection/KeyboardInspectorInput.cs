using System.Collections.Concurrent;

namespace EdgeInspect.Core.Inspection;

/// <summary>Single key presses from a terminal, or whatever stands in for one in tests.</summary>
public interface IKeySource
{
    /// <summary>Waits up to <paramref name="timeout"/> for a key; false when none came.</summary>
    bool TryReadKey(TimeSpan timeout, out char key);
}

/// <summary>
/// A station on a laptop: p = pass, f = fail, u = unsure, for one position. Other keys are ignored.
/// Keys need no debouncing; the press is stamped when the key is read.
/// </summary>
public sealed class KeyboardInspectorInput : InspectorInputBase
{
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(100);
    private readonly IKeySource _keys;
    private readonly string _position;
    private readonly TimeProvider _time;
    private Thread? _thread;

    public KeyboardInspectorInput(IKeySource keys, string position, InspectorRoster roster, TimeProvider time)
        : base(roster)
    {
        _keys = keys;
        _position = position;
        _time = time;
    }

    public override string BackendName => "keyboard";

    /// <summary>The position keys are attributed to: <see cref="InspectorOptions.KeyboardPosition"/>, else the first position, else "keyboard".</summary>
    public static string PositionFor(InspectorOptions options) =>
        options.KeyboardPosition.Length > 0 ? options.KeyboardPosition
        : options.Positions.Count > 0 ? options.Positions[0].Name : "keyboard";

    public static Verdict? VerdictFor(char key) => char.ToLowerInvariant(key) switch
    {
        'p' => Verdict.Pass,
        'f' => Verdict.Fail,
        'u' => Verdict.Unsure,
        _ => null,
    };

    protected override void OnStart()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "keyboard inspector" };
        _thread.Start();
    }

    protected override void OnDisposed()
    {
        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            _thread.Join(WaitSlice * 5);
        }
    }

    private void Run()
    {
        try
        {
            while (!Stopping.IsCancellationRequested)
            {
                if (_keys.TryReadKey(WaitSlice, out var key) && VerdictFor(key) is { } verdict && !Stopping.IsCancellationRequested)
                {
                    Publish(_position, verdict, _time.GetTimestamp());
                }
            }
        }
        catch (Exception e) when (!Stopping.IsCancellationRequested)
        {
            Stop(e);
        }
    }
}

/// <summary>
/// Keys from the process's terminal without echo; from standard input when it is redirected (a pipe, a script).
/// </summary>
public sealed class ConsoleKeySource : IKeySource
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private readonly BlockingCollection<char>? _redirected;

    public ConsoleKeySource()
    {
        if (!Console.IsInputRedirected)
        {
            return;
        }

        // Reading a pipe cannot be interrupted, so a background thread does it and the waits stay bounded.
        _redirected = new BlockingCollection<char>();
        var reader = new Thread(() =>
        {
            int c;
            while ((c = Console.In.Read()) >= 0)
            {
                _redirected.Add((char)c);
            }

            _redirected.CompleteAdding();
        }) { IsBackground = true, Name = "keyboard reader" };
        reader.Start();
    }

    public bool TryReadKey(TimeSpan timeout, out char key)
    {
        key = default;
        if (_redirected is not null)
        {
            return _redirected.TryTake(out key, timeout);
        }

        var waited = TimeSpan.Zero;
        while (!Console.KeyAvailable)
        {
            if (waited >= timeout)
            {
                return false;
            }

            Thread.Sleep(Poll);
            waited += Poll;
        }

        key = Console.ReadKey(intercept: true).KeyChar;
        return true;
    }
}
