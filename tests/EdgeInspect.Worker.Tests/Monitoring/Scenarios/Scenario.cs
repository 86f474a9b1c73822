using EdgeInspect.Core.Inspection;
using EdgeInspect.Core.Monitoring.Incidents;

namespace EdgeInspect.Worker.Tests.Monitoring.Scenarios;

/// <summary>One frame of a scenario: what the camera shows and what the inspector says about the part.</summary>
public readonly record struct ScenarioFrame(FrameKey Key, Verdict Human);

/// <summary>What a scenario must give (the acceptance table of docs/drift.md).</summary>
/// <param name="Incidents">Incidents raised over the whole stream.</param>
/// <param name="Diagnosis">The diagnosis of the incident the change raises (null: none expected).</param>
/// <param name="WithinFrames">At most this many frames from the change to the incident being raised (null: no bound).</param>
public sealed record ScenarioTarget(int Incidents, IncidentClass? Diagnosis = null, int? WithinFrames = null);

/// <summary>
/// A stream of frames with one change in it (or none), the inspector's verdicts, and what should come of it. The frames
/// are keys, not pixels: a driver renders them (into the monitor directly, or through capture from files).
/// </summary>
/// <param name="Name">As in the table.</param>
/// <param name="Change">What changes, in words.</param>
/// <param name="Frames">Every frame, in order; frame i has sequence number i + 1.</param>
/// <param name="ChangeSeq">Sequence number of the first changed frame; null when nothing changes.</param>
/// <param name="Target">What should come of it.</param>
/// <param name="ThroughCapture">Frames go through the real capture loop from files (needed where capture itself must see the change).</param>
public sealed record Scenario(string Name, string Change, IReadOnlyList<ScenarioFrame> Frames, long? ChangeSeq, ScenarioTarget Target, bool ThroughCapture = false)
{
    public override string ToString() => Name;
}

/// <summary>Builds scenario streams from the repository's sets, with a seeded inspector.</summary>
public sealed class ScenarioBuilder(ScenarioFrames bank, int seed, double inspectorErrorRate = 0.02)
{
    private readonly Random _random = new(seed);
    private readonly List<ScenarioFrame> _frames = [];
    private long? _changeSeq;

    public Random Random => _random;

    /// <summary>Appends <paramref name="count"/> frames chosen by <paramref name="pick"/> (given the frame's index in this
    /// segment); the inspector judges each by its true class, wrong at the error rate, after <paramref name="relabel"/>.</summary>
    public ScenarioBuilder Add(int count, Func<int, FrameKey> pick, Func<int, int>? relabel = null)
    {
        for (var i = 0; i < count; i++)
        {
            var key = pick(i);
            var truth = bank.LabelOf(key);
            truth = relabel?.Invoke(truth) ?? truth;
            var verdict = truth == bank.OkIndex ? Verdict.Pass : Verdict.Fail;
            if (_random.NextDouble() < inspectorErrorRate)
            {
                verdict = verdict == Verdict.Pass ? Verdict.Fail : Verdict.Pass;
            }

            _frames.Add(new ScenarioFrame(key, verdict));
        }

        return this;
    }

    /// <summary>Random frames of a set, unchanged.</summary>
    public ScenarioBuilder Add(int count, string set) => Add(count, _ => new FrameKey(set, _random.Next(bank.Count(set))));

    /// <summary>The next frame added is the first changed one.</summary>
    public ScenarioBuilder Change()
    {
        _changeSeq = _frames.Count + 1;
        return this;
    }

    public Scenario Build(string name, string change, ScenarioTarget target, bool throughCapture = false) =>
        new(name, change, _frames.ToArray(), _changeSeq, target, throughCapture);
}
