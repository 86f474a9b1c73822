using System.Globalization;
using EdgeInspect.Core.Messages;

namespace EdgeInspect.Worker.OutboxStage;

/// <summary>How much room the outbox's disk has left, against the outbox's reserve.</summary>
public enum DiskLevel
{
    /// <summary>At least the reserve is free: everything is written.</summary>
    Normal,

    /// <summary>Below the reserve: metrics are no longer written (and those waiting are deleted); records still are.</summary>
    Low,

    /// <summary>Below the floor (a quarter of the reserve): new results, audits, events and command answers are dropped too; alerts are still written.</summary>
    Full,
}

/// <summary>Records the outbox did not write because its disk was short of room, by kind.</summary>
public readonly record struct DiskDrops(long Results, long Audits, long Events, long CommandResponses, long Metrics)
{
    public long Total => Results + Audits + Events + CommandResponses + Metrics;

    /// <summary>Everything but metrics: what a gateway misses.</summary>
    public long Records => Results + Audits + Events + CommandResponses;
}

/// <summary>The outbox's disk as the alert <c>outbox-disk-low</c> reports it: raised on a level change, refreshed while records are dropped.</summary>
/// <param name="Level">The level now.</param>
/// <param name="RoomBytes">Free bytes on the filesystem plus the outbox file's free pages.</param>
/// <param name="ReserveBytes">The reserve (<see cref="OutboxOptions.DiskReserveBytes"/>).</param>
/// <param name="FloorBytes">The floor below which records are dropped.</param>
/// <param name="Drops">What was dropped since the disk first ran short (reset once it is back to normal and reported).</param>
public readonly record struct OutboxDiskState(DiskLevel Level, long RoomBytes, long ReserveBytes, long FloorBytes, DiskDrops Drops);

/// <summary>
/// Keeps the outbox's disk from filling: checks the free space of the filesystem the outbox file lives on BEFORE a
/// record is written (statvfs, through <see cref="DriveInfo"/>) and decides, by kind, what may still be written. The
/// policy, in order (docs/reliability.md, "A full disk"):
/// <list type="number">
/// <item>Samples stop first: they keep <c>samples:minFreeBytes</c> free on their filesystem (default 64 MiB, twice
/// the default reserve; <c>SampleWriter</c>).</item>
/// <item>Below <see cref="OutboxOptions.DiskReserveBytes"/> (<see cref="DiskLevel.Low"/>) metrics are no longer
/// written, and those waiting in the outbox are deleted, so their pages go to results.</item>
/// <item>Below the floor, a quarter of the reserve (<see cref="DiskLevel.Full"/>), results are kept by one rule:
/// every record already in the outbox stays until the broker acknowledges it (oldest first, as always); new results,
/// audits, events and command answers are not written, each one counted. The floor is SQLite's working room: the
/// write-ahead log, the deletes of acknowledged records, and alerts.</item>
/// <item>Alerts are written down to a sixteenth of the reserve, so the alert about the disk itself always gets out.</item>
/// </list>
/// Every drop is counted (<see cref="Drops"/>) and raises the retained alert <c>outbox-disk-low</c>
/// (<see cref="Changed"/>). When acknowledged records free room, or anything else does, writing resumes by itself.
/// </summary>
/// <remarks>
/// Room is the filesystem's free space plus the outbox file's free pages (deleted records leave pages SQLite reuses
/// before it grows the file; counted up to the filesystem's free space, which the write-ahead log needs first), less
/// what was admitted since the last look. While short of room the outbox checkpoints and truncates its log each second. The filesystem is looked at again every
/// <see cref="RefreshInterval"/> or after an eighth of the floor was admitted, whichever comes first, so a burst cannot
/// run past the floor between two looks. Hysteresis: Low ends at 5/4 of the reserve, Full at twice the floor.
/// Thread-safe; <see cref="Changed"/> is raised outside the lock, on the thread that saw the change.
/// </remarks>
public sealed class DiskSpaceGuard
{
    /// <summary>How long a look at the filesystem is trusted while little is written.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>While records are being dropped, the alert is raised again this often with the counts so far.</summary>
    public static readonly TimeSpan AlertRefresh = TimeSpan.FromSeconds(10);

    /// <summary>What a record costs on disk beyond its payload: row, index entry, page slack.</summary>
    private const int RecordOverheadBytes = 160;

    private readonly Lock _gate = new();
    private readonly Func<long> _freeBytes;
    private readonly TimeProvider _time;
    private readonly long _reserve;
    private readonly long _floor;
    private readonly long _alertFloor;
    private long _fsFree;
    private long _freePages;
    private long _admittedSinceLook;
    private long _lookedAt;
    private DiskLevel _level;
    private long _lastAlertAt;
    private bool _dropsSinceAlert;
    private readonly long[] _total = new long[5];
    private readonly long[] _episode = new long[5];

    /// <param name="folder">The outbox's folder: its filesystem is the one watched.</param>
    /// <param name="reserveBytes">The reserve; the floor is a quarter of it.</param>
    /// <param name="time">The clock for the refresh and the alert refresh.</param>
    /// <param name="freeBytes">Free bytes of the filesystem for an unprivileged writer; null reads <paramref name="folder"/> with statvfs.</param>
    public DiskSpaceGuard(string folder, long reserveBytes, TimeProvider? time = null, Func<long>? freeBytes = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reserveBytes, 16 * 1024);
        Folder = folder;
        _reserve = reserveBytes;
        _floor = reserveBytes / 4;
        _alertFloor = reserveBytes / 16;
        _time = time ?? TimeProvider.System;
        _freeBytes = freeBytes ?? (() => FreeBytesOf(folder));
        lock (_gate)
        {
            Look();
            _level = LevelFor(Room(), DiskLevel.Normal);
        }
    }

    /// <summary>Raised when the level changes, and every <see cref="AlertRefresh"/> while records are dropped. Handlers must not block.</summary>
    public event Action<OutboxDiskState>? Changed;

    public string Folder { get; }

    public long ReserveBytes => _reserve;

    public long FloorBytes => _floor;

    public DiskLevel Level
    {
        get
        {
            lock (_gate)
            {
                return _level;
            }
        }
    }

    /// <summary>The state now, as <see cref="Changed"/> would report it (for a station that starts short of room).</summary>
    public OutboxDiskState State
    {
        get
        {
            lock (_gate)
            {
                return new OutboxDiskState(_level, Room(), _reserve, _floor, ToDrops(_episode));
            }
        }
    }

    /// <summary>Every record not written for want of room since the outbox opened.</summary>
    public DiskDrops Drops
    {
        get
        {
            lock (_gate)
            {
                return ToDrops(_total);
            }
        }
    }

    /// <summary>Free bytes of the filesystem plus the outbox's free pages, less what was admitted since the last look.</summary>
    public long RoomBytes
    {
        get
        {
            lock (_gate)
            {
                return Room();
            }
        }
    }

    /// <summary>
    /// Whether a record of <paramref name="kind"/> and <paramref name="payloadBytes"/> may be written now. A refusal is
    /// counted (the caller drops the record); an admission is charged against the room until the next look.
    /// </summary>
    public bool Admit(MessageKind kind, int payloadBytes)
    {
        OutboxDiskState? report;
        bool admitted;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_lookedAt, now) >= RefreshInterval || _admittedSinceLook >= _floor / 8)
            {
                Look();
            }

            var cost = payloadBytes + RecordOverheadBytes;
            var room = Room();
            var before = _level;
            _level = LevelFor(room - cost, _level);
            admitted = kind switch
            {
                MessageKind.Alert => room - cost >= _alertFloor,
                MessageKind.Metrics => _level == DiskLevel.Normal,
                _ => _level != DiskLevel.Full,
            };

            if (admitted)
            {
                _admittedSinceLook += cost;
            }
            else
            {
                Count(kind);
                _dropsSinceAlert = true;
            }

            report = Report(before, room, now);
        }

        if (report is { } state)
        {
            Changed?.Invoke(state);
        }

        return admitted;
    }

    /// <summary>A record that was admitted but whose commit failed for want of room: counted like a refusal, and the filesystem is looked at again.</summary>
    public void CountDropped(MessageKind kind)
    {
        OutboxDiskState? report;
        lock (_gate)
        {
            Count(kind);
            _dropsSinceAlert = true;
            var before = _level;
            var room = Room();
            _level = LevelFor(room, _level);
            report = Report(before, room, _time.GetTimestamp());
        }

        if (report is { } state)
        {
            Changed?.Invoke(state);
        }
    }

    /// <summary>The outbox file's free pages (after deletes), in bytes: room SQLite reuses before the file grows.</summary>
    public void SetFreePages(long bytes)
    {
        OutboxDiskState? report;
        lock (_gate)
        {
            _freePages = Math.Max(0, bytes);
            var before = _level;
            var room = Room();
            _level = LevelFor(room, _level);
            report = Report(before, room, _time.GetTimestamp());
        }

        if (report is { } state)
        {
            Changed?.Invoke(state);
        }
    }

    /// <summary>Looks at the filesystem now (after a checkpoint or a vacuum gave space back) and reports a level change.</summary>
    public void Refresh()
    {
        OutboxDiskState? report;
        lock (_gate)
        {
            Look();
            var before = _level;
            var room = Room();
            _level = LevelFor(room, _level);
            report = Report(before, room, _time.GetTimestamp());
        }

        if (report is { } state)
        {
            Changed?.Invoke(state);
        }
    }

    /// <summary>Free bytes of the filesystem holding <paramref name="folder"/> for an unprivileged writer (statvfs f_bavail); long.MaxValue when it cannot be read.</summary>
    public static long FreeBytesOf(string folder)
    {
        try
        {
            return new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // A filesystem that cannot be asked is not refused on a guess: SQLite's own error still stops a write.
            return long.MaxValue;
        }
    }

    /// <summary>Total bytes of the filesystem holding <paramref name="folder"/>; null when it cannot be read.</summary>
    public static long? TotalBytesOf(string folder)
    {
        try
        {
            return new DriveInfo(folder).TotalSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    public static string Format(long bytes) => bytes switch
    {
        long.MaxValue => "unknown",
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " KiB",
    };

    /// <summary>
    /// Free pages count only up to the filesystem's own free space: in WAL mode a write goes to the log (the
    /// filesystem) first and reaches the reused pages only at the next checkpoint, so a disk with free pages but no
    /// free bytes cannot take a record, nor even a delete.
    /// </summary>
    private long Room() => _fsFree == long.MaxValue ? long.MaxValue : _fsFree + Math.Min(_freePages, Math.Max(0, _fsFree)) - _admittedSinceLook;

    private void Look()
    {
        _fsFree = _freeBytes();
        _admittedSinceLook = 0;
        _lookedAt = _time.GetTimestamp();
    }

    private DiskLevel LevelFor(long room, DiskLevel current) => current switch
    {
        _ when room < _floor => DiskLevel.Full,
        DiskLevel.Full when room < _floor * 2 => DiskLevel.Full,
        _ when room < _reserve => DiskLevel.Low,
        DiskLevel.Low or DiskLevel.Full when room < _reserve + (_reserve / 4) => DiskLevel.Low,
        _ => DiskLevel.Normal,
    };

    private void Count(MessageKind kind)
    {
        var i = kind switch
        {
            MessageKind.Result => 0,
            MessageKind.Audit => 1,
            MessageKind.CommandResponse => 3,
            MessageKind.Metrics => 4,
            _ => 2,
        };
        _total[i]++;
        _episode[i]++;
    }

    private static DiskDrops ToDrops(long[] c) => new(c[0], c[1], c[2], c[3], c[4]);

    /// <summary>Under the lock: the state to report after a level change or, while dropping, once per <see cref="AlertRefresh"/>.</summary>
    private OutboxDiskState? Report(DiskLevel before, long room, long now)
    {
        var changed = before != _level;
        var refresh = !changed && _level != DiskLevel.Normal && _dropsSinceAlert && _time.GetElapsedTime(_lastAlertAt, now) >= AlertRefresh;
        if (!changed && !refresh)
        {
            return null;
        }

        _lastAlertAt = now;
        _dropsSinceAlert = false;
        var state = new OutboxDiskState(_level, room, _reserve, _floor, ToDrops(_episode));
        if (_level == DiskLevel.Normal)
        {
            // Reported once with the totals of the shortage; the next shortage counts from zero.
            Array.Clear(_episode);
        }

        return state;
    }
}
