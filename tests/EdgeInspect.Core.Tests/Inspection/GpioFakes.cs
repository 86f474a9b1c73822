using System.Collections.Concurrent;
using EdgeInspect.Core.Inspection;

namespace EdgeInspect.Core.Tests.Inspection;

/// <summary>An input line whose edges a test scripts. Edges are queued before the watcher starts.</summary>
internal sealed class FakeInputLine : IInputLine
{
    private readonly BlockingCollection<LineEdge> _edges = new();
    private readonly ManualResetEventSlim _drained = new();

    public bool IsActive { get; set; }

    public bool IsDisposed { get; private set; }

    public Exception? FailWith { get; set; }

    public void Edge(bool active, long timestamp) => _edges.Add(new LineEdge(active, timestamp));

    public bool TryWaitForEdge(TimeSpan timeout, out LineEdge edge)
    {
        if (FailWith is not null)
        {
            throw FailWith;
        }

        // One reader: when it comes back for more and nothing is queued, every earlier edge has been handled.
        if (_edges.Count == 0)
        {
            _drained.Set();
        }

        return _edges.TryTake(out edge, timeout);
    }

    public void WaitUntilDrained() => Assert.True(_drained.Wait(TimeSpan.FromSeconds(5)), "the watcher did not read every edge");

    public void Dispose() => IsDisposed = true;
}

/// <summary>An output line that records every level it is driven to.</summary>
internal sealed class FakeOutputLine : IOutputLine
{
    private readonly List<bool> _levels = [];

    public bool IsActive { get; private set; }

    public bool IsDisposed { get; private set; }

    public IReadOnlyList<bool> Levels
    {
        get
        {
            lock (_levels)
            {
                return _levels.ToArray();
            }
        }
    }

    public void SetActive(bool active)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        lock (_levels)
        {
            _levels.Add(active);
            IsActive = active;
        }
    }

    public void Dispose() => IsDisposed = true;
}

/// <summary>Hands out fake lines by offset and remembers what was requested.</summary>
internal sealed class FakeGpioBackend : IGpioBackend
{
    public Dictionary<int, FakeInputLine> Inputs { get; } = [];

    public Dictionary<int, FakeOutputLine> Outputs { get; } = [];

    public List<string> Requests { get; } = [];

    /// <summary>Offsets that fail to open, like a missing line.</summary>
    public HashSet<int> Missing { get; } = [];

    public IInputLine OpenInput(string chip, GpioInputOptions input, string purpose)
    {
        Fail(chip, input.Line, purpose);
        Requests.Add($"{chip}:{input.Line} in {purpose}");
        if (!Inputs.TryGetValue(input.Line, out var line))
        {
            Inputs[input.Line] = line = new FakeInputLine();
        }

        return line;
    }

    public IOutputLine OpenOutput(string chip, GpioOutputOptions output, string purpose)
    {
        Fail(chip, output.Line, purpose);
        Requests.Add($"{chip}:{output.Line} out {purpose}");
        return Outputs[output.Line] = new FakeOutputLine();
    }

    public void Dispose()
    {
    }

    private void Fail(string chip, int line, string purpose)
    {
        if (Missing.Contains(line))
        {
            throw new InvalidOperationException($"{chip} has no line {line} ({purpose})");
        }
    }
}

internal static class StationSamples
{
    public const int LeftPass = 17;
    public const int LeftFail = 27;
    public const int LeftUnsure = 22;
    public const int Reject = 5;
    public const int SuggestPass = 6;
    public const int SuggestFail = 13;
    public const int NeedsHuman = 19;
    public const int Green = 16;
    public const int Amber = 20;
    public const int Red = 21;

    public static InspectorOptions OnePosition(TimeSpan debounce) => new()
    {
        Backend = InspectorBackendKind.Gpiod,
        Positions =
        [
            new InspectorPositionOptions
            {
                Name = "left",
                InspectorId = "alice",
                Pass = new GpioInputOptions { Line = LeftPass, ActiveLow = true, Bias = LineBias.PullUp, Debounce = debounce },
                Fail = new GpioInputOptions { Line = LeftFail, ActiveLow = true, Bias = LineBias.PullUp, Debounce = debounce },
                Unsure = new GpioInputOptions { Line = LeftUnsure, ActiveLow = true, Bias = LineBias.PullUp, Debounce = debounce },
            },
        ],
        Outputs = new StationOutputOptions
        {
            Reject = new GpioOutputOptions { Line = Reject },
            RejectPulse = TimeSpan.FromMilliseconds(150),
            SuggestPassLamp = new GpioOutputOptions { Line = SuggestPass },
            SuggestFailLamp = new GpioOutputOptions { Line = SuggestFail },
            NeedsHumanLamp = new GpioOutputOptions { Line = NeedsHuman },
            TowerGreen = new GpioOutputOptions { Line = Green },
            TowerAmber = new GpioOutputOptions { Line = Amber },
            TowerRed = new GpioOutputOptions { Line = Red },
        },
    };
}
