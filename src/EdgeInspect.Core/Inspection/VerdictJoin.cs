// Positional records document only the parameters whose meaning the name does not carry.
#pragma warning disable CS1573

namespace EdgeInspect.Core.Inspection;

/// <summary>How a part left the verdict join.</summary>
public enum JoinOutcome
{
    /// <summary>An inspector pressed a button for it.</summary>
    Labeled,

    /// <summary>Its deadline passed with no press: it is recorded as unlabeled.</summary>
    TimedOut,
}

/// <summary>A part that left the verdict join, with its verdict or its timeout.</summary>
/// <param name="PartId">The part's id.</param>
/// <param name="Part">What the pipeline enqueued with it (its pending record, for example).</param>
/// <param name="Outcome">Labeled or timed out.</param>
/// <param name="Press">The press that labeled it; default when timed out.</param>
/// <param name="HumanLatency">From enqueue to the press (labeled) or to the deadline (timed out).</param>
public readonly record struct JoinedVerdict<TPart>(string PartId, TPart Part, JoinOutcome Outcome, InspectorPress Press, TimeSpan HumanLatency)
{
    /// <summary>The human verdict, or null when timed out.</summary>
    public Verdict? Verdict => Outcome == JoinOutcome.Labeled ? Press.Verdict : null;
}

/// <summary>Counters of a <see cref="VerdictJoin{TPart}"/>, read at any time.</summary>
public readonly record struct VerdictJoinCounters(long Enqueued, long Labeled, long TimedOut, long OrphanPresses, int Pending);

/// <summary>
/// Pairs inspector presses with the parts waiting for them: first in, first out. A press labels the oldest pending
/// part that has not timed out; a press with no pending part is counted and ignored; a part whose deadline passes
/// leaves as <see cref="JoinOutcome.TimedOut"/>.
/// </summary>
/// <remarks>
/// One join per inspector position: presses at one position label the parts that position sees, in order.
/// Threading: every member is thread-safe (one lock; each call is O(1) amortised plus the parts it expires). Timed-out
/// parts are not pushed anywhere: call <see cref="CollectTimedOut"/> from a timer (every <see cref="Timeout"/>/4 or so)
/// or before reading <see cref="NextDeadline"/>. Parts expired while a press skipped past them are kept for that call too,
/// so no part is ever lost. Deadlines use <see cref="TimeProvider.GetTimestamp"/>, the clock of <see cref="InspectorPress.MonotonicTimestamp"/>.
/// </remarks>
public sealed class VerdictJoin<TPart>
{
    private readonly TimeProvider _time;
    private readonly long _timeoutTicks;
    private readonly Queue<Pending> _pending;
    private readonly Queue<JoinedVerdict<TPart>> _expired = new();
    private readonly Lock _gate = new();
    private long _enqueued;
    private long _labeled;
    private long _timedOut;
    private long _orphans;

    /// <param name="time">The clock; a FakeTimeProvider in tests.</param>
    /// <param name="timeout">How long a part waits for a press.</param>
    /// <param name="expectedPending">Initial capacity, so steady state allocates nothing.</param>
    public VerdictJoin(TimeProvider time, TimeSpan timeout, int expectedPending = 64)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _time = time;
        Timeout = timeout;
        _timeoutTicks = (long)(timeout.Ticks * (time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
        _pending = new Queue<Pending>(expectedPending);
    }

    public TimeSpan Timeout { get; }

    public VerdictJoinCounters Counters
    {
        get
        {
            lock (_gate)
            {
                return new VerdictJoinCounters(_enqueued, _labeled, _timedOut, _orphans, _pending.Count);
            }
        }
    }

    /// <summary>The earliest deadline among pending parts, as a monotonic timestamp; null when none is pending.</summary>
    public long? NextDeadline
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count == 0 ? null : _pending.Peek().Deadline;
            }
        }
    }

    /// <summary>Adds a part that waits for a human verdict, from now until now + <see cref="Timeout"/>.</summary>
    public void Enqueue(string partId, TPart part) => Enqueue(partId, part, _time.GetTimestamp());

    /// <summary>Adds a part that waits from <paramref name="enqueuedTimestamp"/> (e.g. its capture time) for <see cref="Timeout"/>.</summary>
    public void Enqueue(string partId, TPart part, long enqueuedTimestamp)
    {
        ArgumentNullException.ThrowIfNull(partId);
        lock (_gate)
        {
            _pending.Enqueue(new Pending(partId, part, enqueuedTimestamp, enqueuedTimestamp + _timeoutTicks));
            _enqueued++;
        }
    }

    /// <summary>Labels the oldest pending part with <paramref name="press"/>.</summary>
    /// <returns>True with the joined part; false when no part was pending (an orphan press, counted and ignored).</returns>
    public bool OnPress(in InspectorPress press, out JoinedVerdict<TPart> joined)
    {
        lock (_gate)
        {
            // Parts whose deadline passed before this press cannot be the one the inspector meant.
            // A press with no timestamp (0) is taken as happening now.
            var at = press.MonotonicTimestamp > 0 ? press.MonotonicTimestamp : _time.GetTimestamp();
            ExpireUpTo(at);
            if (_pending.Count == 0)
            {
                _orphans++;
                joined = default;
                return false;
            }

            var part = _pending.Dequeue();
            _labeled++;
            var latency = _time.GetElapsedTime(part.Enqueued, Math.Max(at, part.Enqueued));
            joined = new JoinedVerdict<TPart>(part.PartId, part.Part, JoinOutcome.Labeled, press, latency);
            return true;
        }
    }

    /// <summary>Moves every part whose deadline has passed into <paramref name="into"/>, oldest first.</summary>
    /// <returns>How many were added.</returns>
    public int CollectTimedOut(ICollection<JoinedVerdict<TPart>> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        lock (_gate)
        {
            ExpireUpTo(_time.GetTimestamp());
            var count = _expired.Count;
            while (_expired.TryDequeue(out var part))
            {
                into.Add(part);
            }

            return count;
        }
    }

    /// <summary>Times out every pending part now (shutdown), oldest first.</summary>
    public int Flush(ICollection<JoinedVerdict<TPart>> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        lock (_gate)
        {
            ExpireUpTo(long.MaxValue);
            var count = _expired.Count;
            while (_expired.TryDequeue(out var part))
            {
                into.Add(part);
            }

            return count;
        }
    }

    private void ExpireUpTo(long now)
    {
        while (_pending.Count > 0 && _pending.Peek().Deadline <= now)
        {
            var part = _pending.Dequeue();
            _timedOut++;
            _expired.Enqueue(new JoinedVerdict<TPart>(part.PartId, part.Part, JoinOutcome.TimedOut, default, Timeout));
        }
    }

    private readonly record struct Pending(string PartId, TPart Part, long Enqueued, long Deadline);
}
