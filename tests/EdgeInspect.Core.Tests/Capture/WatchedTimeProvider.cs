using Microsoft.Extensions.Time.Testing;

namespace EdgeInspect.Core.Tests.Capture;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose timers say when they are armed and when they fire, so a test can wait for
/// the capture loop to go to sleep (its timer armed) and check that advancing the clock did or did not wake it.
/// </summary>
/// <remarks>
/// FakeTimeProvider runs due timer callbacks synchronously inside <see cref="Advance"/>, so the moment Advance
/// returns, <see cref="Fired"/> is exact: "the timer did not fire" is a fact, not a guess made after a sleep.
/// </remarks>
internal sealed class WatchedTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly FakeTimeProvider _clock = new(start);
    private int _armed;
    private int _fired;

    /// <summary>How many times a timer was set to a finite due time.</summary>
    public int Armed => Volatile.Read(ref _armed);

    /// <summary>How many timer callbacks have run.</summary>
    public int Fired => Volatile.Read(ref _fired);

    public override long TimestampFrequency => _clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _clock.LocalTimeZone;

    public override DateTimeOffset GetUtcNow() => _clock.GetUtcNow();

    public override long GetTimestamp() => _clock.GetTimestamp();

    /// <summary>Moves the clock on, running every timer that falls due before returning.</summary>
    public void Advance(TimeSpan by) => _clock.Advance(by);

    /// <summary>Waits (up to 10 s of real time) until timers have been armed <paramref name="count"/> times.</summary>
    public void WaitUntilArmed(int count) =>
        Assert.True(SpinWait.SpinUntil(() => Armed >= count, TimeSpan.FromSeconds(10)), $"the capture loop never set its timer (armed {Armed} times, waiting for {count})");

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new WatchedTimer(this, _clock.CreateTimer(s =>
        {
            Interlocked.Increment(ref _fired);
            callback(s);
        }, state, dueTime, period));
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Interlocked.Increment(ref _armed);
        }

        return timer;
    }

    private sealed class WatchedTimer(WatchedTimeProvider owner, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                // Counted after the change: once a test sees the count, the due time is already set.
                Interlocked.Increment(ref owner._armed);
            }

            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
