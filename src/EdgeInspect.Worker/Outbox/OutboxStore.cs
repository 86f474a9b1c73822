using System.Buffers;
using EdgeInspect.Core.Messages;
using Microsoft.Data.Sqlite;

namespace EdgeInspect.Worker.OutboxStage;

/// <summary>One durable outbox row: a stream message, envelope included. Where it is published is the link's business.</summary>
/// <remarks>
/// The message is the first <see cref="Length"/> bytes of <see cref="Payload"/>: all of it, except on the per-part path,
/// where the outbox rents the array (<see cref="Pooled"/>) from the record's append to its commit, and the link from its
/// read to its PUBACK, so a result costs no array of its own on the way through (issue 18).
/// </remarks>
public sealed record OutboxRecord(long Seq, MessageKind Kind, byte[] Payload)
{
    /// <summary>Bytes of <see cref="Payload"/> that are the message.</summary>
    public int Length { get; init; } = Payload.Length;

    /// <summary>True when <see cref="Payload"/> is rented from the shared pool and goes back with <see cref="Return"/>.</summary>
    public bool Pooled { get; private init; }

    public ReadOnlySpan<byte> Bytes => Payload.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => Payload.AsMemory(0, Length);

    /// <summary>A record whose payload is a copy of <paramref name="message"/> in a rented array.</summary>
    internal static OutboxRecord Rent(long seq, MessageKind kind, ReadOnlySpan<byte> message)
    {
        var payload = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(payload);
        return new OutboxRecord(seq, kind, payload) { Length = message.Length, Pooled = true };
    }

    private int _returned;

    /// <summary>
    /// Gives a rented payload back, when nothing reads the bytes any more. Only the first call returns it: an array
    /// returned twice would be rented to two records at once.
    /// </summary>
    internal void Return()
    {
        if (Pooled && Interlocked.Exchange(ref _returned, 1) == 0)
        {
            ArrayPool<byte>.Shared.Return(Payload);
        }
    }
}

/// <summary>The latest retained state of one (kind, key), e.g. (Alert, "drift"): republished by the link on every connect.</summary>
public sealed record RetainedRecord(MessageKind Kind, string Key, byte[] Payload);

/// <summary>What one group commit does to the records of the named streams (<see cref="OutboxStream"/>).</summary>
internal sealed class StreamBatch
{
    public List<(string Stream, OutboxRecord Record)> Inserts { get; } = [];

    public List<(string Stream, long Id)> Acknowledged { get; } = [];

    /// <summary>One entry per droppable record that needs room: drop the oldest droppable record of that stream.</summary>
    public List<string> DropOldest { get; } = [];

    public bool IsEmpty => Inserts.Count == 0 && Acknowledged.Count == 0 && DropOldest.Count == 0;

    public void Clear()
    {
        Inserts.Clear();
        Acknowledged.Clear();
        DropOldest.Clear();
    }
}

/// <summary>How one commit changed one stream, so its counters stay exact.</summary>
internal readonly record struct StreamDelta(string Stream, long Removed, long RemovedBytes, long RemovedDroppable, long Dropped);

/// <summary>
/// The SQLite side of the outbox (WAL). Two connections: the writer, used only by the outbox's writer task (inserts,
/// acknowledged deletes, drops, meta), and the reader, used only by the drain loop. WAL lets the reader see every
/// committed row without blocking the writer.
/// </summary>
/// <remarks>
/// Tables: <c>outbox(seq, kind, payload, created_ms)</c>; <c>meta(key, value)</c> holding <c>boot_epoch</c> and
/// <c>last_seq</c> (so seq keeps increasing after the outbox empties); <c>retained(kind, key, payload)</c>, the latest
/// retained state per kind and key; <c>stream(id, name, kind, payload, created_ms)</c>, the records of named streams
/// (a second consumer such as the Sparkplug edge node), numbered by <c>stream_last_id</c> in meta and never read by
/// the link. No topics: a file outlives a change of broker prefix or station name.
/// Files of the first layout (a <c>topic</c> column, user_version 0) are migrated in place at open, records kept.
/// Not thread-safe by itself; see the connection ownership above.
/// </remarks>
internal sealed class OutboxStore : IDisposable
{
    private static int _sqliteInitialized;
    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _reader;
    // The statements a part passes through (its insert, its delete once acknowledged), run without Microsoft.Data.Sqlite's
    // per-execute objects (RawStatement).
    private readonly RawStatement _insert;
    private readonly RawStatement _delete;
    private readonly RawStatement _dropOldestMetrics;
    private readonly RawStatement _setLastSeq;
    private readonly RawStatement _readAfter;
    private readonly RawStatement _freelistCount;
    private readonly long _pageSize;
    private readonly SqliteCommand _streamInsert;
    private readonly SqliteCommand _streamDelete;
    private readonly SqliteCommand _streamDropOldest;
    private readonly SqliteCommand _setStreamLastId;

    // The group commit's own statements, prepared once: Microsoft.Data.Sqlite's BeginTransaction and Commit build (and
    // parse) a new command each, and so did the synchronous pragma, which changes between a commit of results (FULL)
    // and one of acknowledgements only (NORMAL): at a line's rate that was four commands parsed per part.
    private readonly RawStatement _begin;
    private readonly RawStatement _commit;
    private readonly RawStatement _rollback;
    private readonly RawStatement _syncFull;
    private readonly RawStatement _syncNormal;
    private readonly string _connectionString;
    private bool _fullSync = true;

    private OutboxStore(string path, long walRoomBytes)
    {
        if (Interlocked.Exchange(ref _sqliteInitialized, 1) == 0)
        {
            SQLitePCL.Batteries_V2.Init();
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        _writer = new SqliteConnection(connectionString);
        _writer.Open();
        Execute(_writer, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            PRAGMA busy_timeout=5000;
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            """);
        // The write-ahead log lives on the same disk: keep it within the room the disk check holds back for it.
        var walPages = Math.Clamp(walRoomBytes / 2 / 4096, 16, 1000);
        Execute(_writer, $"PRAGMA wal_autocheckpoint={walPages}; PRAGMA journal_size_limit={walPages * 4096};");
        MigrateFirstLayout(_writer);
        Execute(_writer, """
            CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, payload BLOB NOT NULL, created_ms INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS outbox_kind_seq ON outbox(kind, seq);
            CREATE TABLE IF NOT EXISTS retained(kind INTEGER NOT NULL, key TEXT NOT NULL, payload BLOB NOT NULL, PRIMARY KEY(kind, key));
            CREATE TABLE IF NOT EXISTS stream(id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind INTEGER NOT NULL, payload BLOB NOT NULL, created_ms INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS stream_name_id ON stream(name, id);
            PRAGMA user_version = 3;
            """);
        _connectionString = connectionString;

        _reader = new SqliteConnection(connectionString);
        _reader.Open();
        Execute(_reader, "PRAGMA busy_timeout=5000;");

        _insert = new RawStatement(_writer, "INSERT INTO outbox(seq, kind, payload, created_ms) VALUES (?1, ?2, ?3, ?4)");
        _delete = new RawStatement(_writer, "DELETE FROM outbox WHERE seq = ?1 RETURNING length(payload), kind");
        _dropOldestMetrics = new RawStatement(_writer, $"DELETE FROM outbox WHERE seq = (SELECT seq FROM outbox WHERE kind = {(int)MessageKind.Metrics} ORDER BY seq LIMIT 1) RETURNING length(payload)");
        _setLastSeq = new RawStatement(_writer, "INSERT INTO meta(key, value) VALUES ('last_seq', ?1) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)");
        _readAfter = new RawStatement(_reader, "SELECT seq, kind, payload FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        _freelistCount = new RawStatement(_writer, "PRAGMA freelist_count");
        _pageSize = Scalar(_writer, "PRAGMA page_size");
        _streamInsert = Prepare(_writer, "INSERT INTO stream(id, name, kind, payload, created_ms) VALUES ($id, $name, $kind, $payload, $created)", "$id", "$name", "$kind", "$payload", "$created");
        _streamDelete = Prepare(_writer, "DELETE FROM stream WHERE id = $id AND name = $name RETURNING length(payload), kind", "$id", "$name");
        _streamDropOldest = Prepare(_writer, $"DELETE FROM stream WHERE id = (SELECT id FROM stream WHERE name = $name AND kind = {(int)MessageKind.Metrics} ORDER BY id LIMIT 1) RETURNING length(payload)", "$name");
        _setStreamLastId = Prepare(_writer, "INSERT INTO meta(key, value) VALUES ('stream_last_id', $v) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)", "$v");
        _begin = new RawStatement(_writer, "BEGIN IMMEDIATE");
        _commit = new RawStatement(_writer, "COMMIT");
        _rollback = new RawStatement(_writer, "ROLLBACK");
        _syncFull = new RawStatement(_writer, "PRAGMA synchronous=FULL");
        _syncNormal = new RawStatement(_writer, "PRAGMA synchronous=NORMAL");
    }

    /// <summary>Opens (or creates) the outbox and starts a new boot epoch: one more than any epoch this file has seen.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="bootEpoch">The new boot epoch.</param>
    /// <param name="walRoomBytes">Room the disk check keeps for SQLite's working files; the write-ahead log is checkpointed within half of it (at most SQLite's default, 1000 pages).</param>
    public static OutboxStore Open(string path, out long bootEpoch, long walRoomBytes = 8L << 20)
    {
        var store = new OutboxStore(path, walRoomBytes);
        try
        {
            using var tx = store._writer.BeginTransaction();
            bootEpoch = Scalar(store._writer, "SELECT COALESCE((SELECT value FROM meta WHERE key = 'boot_epoch'), 0)", tx) + 1;
            using var set = store._writer.CreateCommand();
            set.Transaction = tx;
            set.CommandText = "INSERT INTO meta(key, value) VALUES ('boot_epoch', $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
            set.Parameters.AddWithValue("$v", bootEpoch);
            set.ExecuteNonQuery();
            tx.Commit();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>The highest seq ever assigned by this file (kept in meta, so it survives an empty outbox).</summary>
    public long LastSeq() => Math.Max(
        Scalar(_writer, "SELECT COALESCE((SELECT value FROM meta WHERE key = 'last_seq'), 0)"),
        Scalar(_writer, "SELECT COALESCE(MAX(seq), 0) FROM outbox"));

    /// <summary>The highest stream record id ever assigned by this file.</summary>
    public long StreamLastId() => Math.Max(
        Scalar(_writer, "SELECT COALESCE((SELECT value FROM meta WHERE key = 'stream_last_id'), 0)"),
        Scalar(_writer, "SELECT COALESCE(MAX(id), 0) FROM stream"));

    /// <summary>Records, payload bytes and droppable (metrics-kind) records of one stream.</summary>
    public (long Count, long Bytes, long Droppable) StreamTotals(string name)
    {
        using var command = _writer.CreateCommand();
        command.CommandText = $"SELECT COUNT(*), COALESCE(SUM(length(payload)), 0), COALESCE(SUM(kind = {(int)MessageKind.Metrics}), 0) FROM stream WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>Every stream's records and bytes together (they count against the same caps as the link's records).</summary>
    public (long Count, long Bytes) AllStreamTotals() => (
        Scalar(_writer, "SELECT COUNT(*) FROM stream"),
        Scalar(_writer, "SELECT COALESCE(SUM(length(payload)), 0) FROM stream"));

    /// <summary>A reader of one stream on its own connection, so the stream's consumer never shares the link's reader.</summary>
    public StreamReader OpenStreamReader(string name) => new(_connectionString, name);

    public (long Count, long Bytes, long Metrics) Totals() => (
        Scalar(_writer, "SELECT COUNT(*) FROM outbox"),
        Scalar(_writer, "SELECT COALESCE(SUM(length(payload)), 0) FROM outbox"),
        Scalar(_writer, $"SELECT COUNT(*) FROM outbox WHERE kind = {(int)MessageKind.Metrics}"));

    /// <summary>Moves the write-ahead log into the file and truncates it, giving its bytes back to the filesystem (when no reader holds it).</summary>
    public void CheckpointTruncate() => Execute(_writer, "PRAGMA wal_checkpoint(TRUNCATE);");

    /// <summary>Bytes of the file's free pages: room SQLite reuses before it grows the file.</summary>
    public long FreeBytes() => _freelistCount.Scalar() * _pageSize;

    /// <summary>Whether <paramref name="e"/> says the disk (or the file's size limit) has no room: SQLITE_FULL, or ENOSPC from I/O.</summary>
    public static bool IsDiskFull(Exception e) => e switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 13 || (sqlite.SqliteErrorCode == 10 && sqlite.SqliteExtendedErrorCode is 778 or 1034 or 4874),
        IOException io => io.HResult is 28 or unchecked((int)0x80070070),
        _ => false,
    };

    /// <summary>Result of one group commit, so the caller can keep its counters exact.</summary>
    public readonly record struct CommitResult(long DeletedCount, long DeletedBytes, long DeletedMetrics, long DroppedMetrics, long DroppedBytes);

    /// <summary>
    /// One transaction: inserts, then deletes of acknowledged seqs, then drops of the oldest metrics. Committed with
    /// synchronous=FULL when <paramref name="fullSync"/> (results, alerts, events), else NORMAL (metrics and deletes only:
    /// losing those to a power cut means a resend or a lost snapshot, never a lost result).
    /// </summary>
    /// <remarks>Changes to named streams (<paramref name="streams"/>) go into the same transaction; their effect per stream is added to <paramref name="streamDeltas"/>.</remarks>
    public CommitResult Commit(IReadOnlyList<OutboxRecord> inserts, IReadOnlyList<long> acknowledged, int dropMetrics, bool fullSync, IReadOnlyList<RetainedRecord> retained,
        StreamBatch? streams = null, List<StreamDelta>? streamDeltas = null)
    {
        if (fullSync != _fullSync)
        {
            (fullSync ? _syncFull : _syncNormal).Run();
            _fullSync = fullSync;
        }

        _begin.Run();
        try
        {
            var result = CommitInTransaction(inserts, acknowledged, dropMetrics, retained, streams, streamDeltas);
            _commit.Run();
            return result;
        }
        catch
        {
            // Nothing of a failed commit stays: the transaction is rolled back unless SQLite already did (a full disk
            // or an I/O error can end it), and the caller hears the error.
            if (SQLitePCL.raw.sqlite3_get_autocommit(_writer.Handle) == 0)
            {
                try
                {
                    _rollback.Run();
                }
                catch (SqliteException)
                {
                    // The original error is the one to report.
                }
            }

            throw;
        }
    }

    private CommitResult CommitInTransaction(IReadOnlyList<OutboxRecord> inserts, IReadOnlyList<long> acknowledged, int dropMetrics, IReadOnlyList<RetainedRecord> retained,
        StreamBatch? streams, List<StreamDelta>? streamDeltas)
    {
        long deletedCount = 0, deletedBytes = 0, deletedMetrics = 0, droppedMetrics = 0, droppedBytes = 0;
        var created = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long maxSeq = 0;
        foreach (var record in inserts)
        {
            _insert.Bind(1, record.Seq).Bind(2, (int)record.Kind).Bind(3, record.Bytes).Bind(4, created).Run();
            maxSeq = Math.Max(maxSeq, record.Seq);
        }

        if (maxSeq > 0)
        {
            _setLastSeq.Bind(1, maxSeq).Run();
        }

        foreach (var seq in acknowledged)
        {
            if (_delete.Bind(1, seq).RunReturning(out var length, out var kind))
            {
                deletedCount++;
                deletedBytes += length;
                if (kind == (int)MessageKind.Metrics)
                {
                    deletedMetrics++;
                }
            }
        }

        for (var i = 0; i < dropMetrics; i++)
        {
            if (!_dropOldestMetrics.RunReturning(out var length, out _))
            {
                break;
            }

            droppedMetrics++;
            droppedBytes += length;
        }

        if (streams is { IsEmpty: false })
        {
            CommitStreams(streams, created, streamDeltas);
        }

        if (retained.Count > 0)
        {
            using var upsert = _writer.CreateCommand();
            upsert.CommandText = "INSERT INTO retained(kind, key, payload) VALUES ($k, $key, $p) ON CONFLICT(kind, key) DO UPDATE SET payload = excluded.payload";
            var k = upsert.Parameters.Add("$k", SqliteType.Integer);
            var key = upsert.Parameters.Add("$key", SqliteType.Text);
            var p = upsert.Parameters.Add("$p", SqliteType.Blob);
            foreach (var state in retained)
            {
                k.Value = (int)state.Kind;
                key.Value = state.Key;
                p.Value = state.Payload;
                upsert.ExecuteNonQuery();
            }
        }

        return new CommitResult(deletedCount, deletedBytes, deletedMetrics, droppedMetrics, droppedBytes);
    }

    private void CommitStreams(StreamBatch streams, long created, List<StreamDelta>? deltas)
    {
        long maxId = 0;
        foreach (var (name, record) in streams.Inserts)
        {
            _streamInsert.Parameters[0].Value = record.Seq;
            _streamInsert.Parameters[1].Value = name;
            _streamInsert.Parameters[2].Value = (int)record.Kind;
            _streamInsert.Parameters[3].Value = record.Payload;
            _streamInsert.Parameters[4].Value = created;
            _streamInsert.ExecuteNonQuery();
            maxId = Math.Max(maxId, record.Seq);
        }

        if (maxId > 0)
        {
            _setStreamLastId.Parameters[0].Value = maxId;
            _setStreamLastId.ExecuteNonQuery();
        }

        var changes = new Dictionary<string, (long Removed, long Bytes, long Droppable, long Dropped)>(StringComparer.Ordinal);
        foreach (var (name, id) in streams.Acknowledged)
        {
            _streamDelete.Parameters[0].Value = id;
            _streamDelete.Parameters[1].Value = name;
            using var reader = _streamDelete.ExecuteReader();
            if (reader.Read())
            {
                var c = changes.GetValueOrDefault(name);
                changes[name] = (c.Removed + 1, c.Bytes + reader.GetInt64(0), c.Droppable + (reader.GetInt32(1) == (int)MessageKind.Metrics ? 1 : 0), c.Dropped);
            }
        }

        foreach (var name in streams.DropOldest)
        {
            _streamDropOldest.Parameters[0].Value = name;
            using var reader = _streamDropOldest.ExecuteReader();
            if (reader.Read())
            {
                var c = changes.GetValueOrDefault(name);
                changes[name] = (c.Removed + 1, c.Bytes + reader.GetInt64(0), c.Droppable + 1, c.Dropped + 1);
            }
        }

        foreach (var (name, c) in changes)
        {
            deltas?.Add(new StreamDelta(name, c.Removed, c.Bytes, c.Droppable, c.Dropped));
        }
    }

    /// <summary>Deletes every record of one stream (its consumer is switched off); returns how many there were.</summary>
    public long DeleteStream(string name)
    {
        using var command = _writer.CreateCommand();
        command.CommandText = "DELETE FROM stream WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return command.ExecuteNonQuery();
    }

    /// <summary>Reader connection: up to <paramref name="limit"/> rows after <paramref name="afterSeq"/>, in seq order.</summary>
    /// <param name="afterSeq">The last seq already read.</param>
    /// <param name="limit">Rows at most.</param>
    /// <param name="pooled">Payloads in rented arrays, which the caller returns (<see cref="OutboxRecord.Return"/>).</param>
    public List<OutboxRecord> ReadAfter(long afterSeq, int limit, bool pooled = false)
    {
        return ReadRecords(_readAfter.Bind(1, afterSeq).Bind(2, limit), pooled);
    }

    /// <summary>Runs a bound (seq or id, kind, payload) query: the link's and the named streams' reads alike.</summary>
    private static List<OutboxRecord> ReadRecords(RawStatement query, bool pooled = false)
    {
        // Sized by what comes back, not by the limit: at a line's rate a read returns one record or none, and a list
        // made for the limit (500) was the station's largest allocation per part (4 KB, issue 18's profile). The
        // payload is copied out of SQLite's row once (into a rented array for the link): the publish holds it until the
        // broker acknowledges it.
        var rows = new List<OutboxRecord>();
        try
        {
            while (query.Next())
            {
                var (seq, kind) = (query.Int64(0), (MessageKind)query.Int64(1));
                rows.Add(pooled ? OutboxRecord.Rent(seq, kind, query.Blob(2)) : new OutboxRecord(seq, kind, query.Blob(2).ToArray()));
            }
        }
        finally
        {
            query.Reset();
        }

        return rows;
    }

    /// <summary>Reader connection: the latest retained payload per kind and key.</summary>
    public List<RetainedRecord> ReadRetained()
    {
        using var command = _reader.CreateCommand();
        command.CommandText = "SELECT kind, key, payload FROM retained ORDER BY kind, key";
        using var reader = command.ExecuteReader();
        var rows = new List<RetainedRecord>();
        while (reader.Read())
        {
            rows.Add(new RetainedRecord((MessageKind)reader.GetInt32(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        }

        return rows;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _delete.Dispose();
        _dropOldestMetrics.Dispose();
        _setLastSeq.Dispose();
        _readAfter.Dispose();
        _freelistCount.Dispose();
        _streamInsert.Dispose();
        _streamDelete.Dispose();
        _streamDropOldest.Dispose();
        _setStreamLastId.Dispose();
        _begin.Dispose();
        _commit.Dispose();
        _rollback.Dispose();
        _syncFull.Dispose();
        _syncNormal.Dispose();
        _reader.Dispose();
        _writer.Dispose();
    }

    /// <summary>
    /// The first layout stored each record's full topic. A record's topic followed from its kind alone, and retained
    /// rows were alert states (<c>…/alert/state/{name}</c>), so both convert without loss, in one transaction.
    /// </summary>
    private static void MigrateFirstLayout(SqliteConnection db)
    {
        static bool HasTopic(SqliteConnection db, string table) =>
            Scalar(db, $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = 'topic'") > 0;

        var records = HasTopic(db, "outbox");
        var retained = HasTopic(db, "retained");
        if (!records && !retained)
        {
            return;
        }

        using var tx = db.BeginTransaction();
        using var command = db.CreateCommand();
        command.Transaction = tx;
        command.CommandText = (records ? """
            CREATE TABLE outbox_v2(seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, payload BLOB NOT NULL, created_ms INTEGER NOT NULL);
            INSERT INTO outbox_v2(seq, kind, payload, created_ms) SELECT seq, kind, payload, created_ms FROM outbox;
            DROP TABLE outbox;
            ALTER TABLE outbox_v2 RENAME TO outbox;
            """ : string.Empty) + (retained ? $"""
            CREATE TABLE retained_v2(kind INTEGER NOT NULL, key TEXT NOT NULL, payload BLOB NOT NULL, PRIMARY KEY(kind, key));
            INSERT INTO retained_v2(kind, key, payload)
              SELECT {(int)MessageKind.Alert}, substr(topic, instr(topic, '/alert/state/') + 13), payload FROM retained WHERE instr(topic, '/alert/state/') > 0;
            DROP TABLE retained;
            ALTER TABLE retained_v2 RENAME TO retained;
            """ : string.Empty);
        command.ExecuteNonQuery();
        tx.Commit();
    }

    /// <summary>Reads one stream in id order on a connection of its own (WAL: it sees every committed row, never blocks the writer).</summary>
    internal sealed class StreamReader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly RawStatement _readAfter;
        private readonly string _name;

        public StreamReader(string connectionString, string name)
        {
            _name = name;
            _connection = new SqliteConnection(connectionString);
            _connection.Open();
            Execute(_connection, "PRAGMA busy_timeout=5000;");
            _readAfter = new RawStatement(_connection, "SELECT id, kind, payload FROM stream WHERE name = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
        }

        /// <summary>Records, payload bytes and metrics-kind records of this stream, as committed.</summary>
        public (long Count, long Bytes, long Droppable) Totals()
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*), COALESCE(SUM(length(payload)), 0), COALESCE(SUM(kind = {(int)MessageKind.Metrics}), 0) FROM stream WHERE name = $name";
            command.Parameters.AddWithValue("$name", _name);
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        public List<OutboxRecord> ReadAfter(long afterId, int limit)
        {
            return ReadRecords(_readAfter.Bind(1, _name).Bind(2, afterId).Bind(3, limit));
        }

        public void Dispose()
        {
            _readAfter.Dispose();
            _connection.Dispose();
        }
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
