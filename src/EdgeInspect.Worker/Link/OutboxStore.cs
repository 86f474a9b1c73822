using EdgeInspect.Core.Messages;
using Microsoft.Data.Sqlite;

namespace EdgeInspect.Worker.Link;

/// <summary>One durable outbox row: the complete MQTT message, envelope included.</summary>
public sealed record OutboxRecord(long Seq, MessageKind Kind, string Topic, byte[] Payload);

/// <summary>
/// The SQLite side of the outbox (WAL). Two connections: the writer, used only by the outbox's writer task (inserts,
/// acknowledged deletes, drops, meta), and the reader, used only by the drain loop. WAL lets the reader see every
/// committed row without blocking the writer.
/// </summary>
/// <remarks>
/// Tables: <c>outbox(seq, kind, topic, payload, created_ms)</c>; <c>meta(key, value)</c> holding <c>boot_epoch</c> and
/// <c>last_seq</c> (so seq keeps increasing after the outbox empties); <c>retained(topic, payload)</c>, the latest
/// retained state per topic. Not thread-safe by itself; see the connection ownership above.
/// </remarks>
internal sealed class OutboxStore : IDisposable
{
    private static int _sqliteInitialized;
    private readonly SqliteConnection _writer;
    private readonly SqliteConnection _reader;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _dropOldestMetrics;
    private readonly SqliteCommand _setLastSeq;
    private readonly SqliteCommand _readAfter;
    private bool _fullSync = true;

    private OutboxStore(string path)
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
            CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL, created_ms INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS outbox_kind_seq ON outbox(kind, seq);
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS retained(topic TEXT PRIMARY KEY, payload BLOB NOT NULL);
            """);

        _reader = new SqliteConnection(connectionString);
        _reader.Open();
        Execute(_reader, "PRAGMA busy_timeout=5000;");

        _insert = Prepare(_writer, "INSERT INTO outbox(seq, kind, topic, payload, created_ms) VALUES ($seq, $kind, $topic, $payload, $created)", "$seq", "$kind", "$topic", "$payload", "$created");
        _delete = Prepare(_writer, "DELETE FROM outbox WHERE seq = $seq RETURNING length(payload), kind", "$seq");
        _dropOldestMetrics = Prepare(_writer, $"DELETE FROM outbox WHERE seq = (SELECT seq FROM outbox WHERE kind = {(int)MessageKind.Metrics} ORDER BY seq LIMIT 1) RETURNING length(payload)");
        _setLastSeq = Prepare(_writer, "INSERT INTO meta(key, value) VALUES ('last_seq', $v) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)", "$v");
        _readAfter = Prepare(_reader, "SELECT seq, kind, topic, payload FROM outbox WHERE seq > $after ORDER BY seq LIMIT $limit", "$after", "$limit");
    }

    /// <summary>Opens (or creates) the outbox and starts a new boot epoch: one more than any epoch this file has seen.</summary>
    public static OutboxStore Open(string path, out long bootEpoch)
    {
        var store = new OutboxStore(path);
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

    public (long Count, long Bytes, long Metrics) Totals() => (
        Scalar(_writer, "SELECT COUNT(*) FROM outbox"),
        Scalar(_writer, "SELECT COALESCE(SUM(length(payload)), 0) FROM outbox"),
        Scalar(_writer, $"SELECT COUNT(*) FROM outbox WHERE kind = {(int)MessageKind.Metrics}"));

    /// <summary>Result of one group commit, so the caller can keep its counters exact.</summary>
    public readonly record struct CommitResult(long DeletedCount, long DeletedBytes, long DeletedMetrics, long DroppedMetrics, long DroppedBytes);

    /// <summary>
    /// One transaction: inserts, then deletes of acknowledged seqs, then drops of the oldest metrics. Committed with
    /// synchronous=FULL when <paramref name="fullSync"/> (results, alerts, events), else NORMAL (metrics and deletes only:
    /// losing those to a power cut means a resend or a lost snapshot, never a lost result).
    /// </summary>
    public CommitResult Commit(IReadOnlyList<OutboxRecord> inserts, IReadOnlyList<long> acknowledged, int dropMetrics, bool fullSync, IReadOnlyList<(string Topic, byte[] Payload)> retained)
    {
        if (fullSync != _fullSync)
        {
            Execute(_writer, fullSync ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
            _fullSync = fullSync;
        }

        long deletedCount = 0, deletedBytes = 0, deletedMetrics = 0, droppedMetrics = 0, droppedBytes = 0;
        using var tx = _writer.BeginTransaction();
        _insert.Transaction = tx;
        _delete.Transaction = tx;
        _dropOldestMetrics.Transaction = tx;
        _setLastSeq.Transaction = tx;
        var created = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long maxSeq = 0;
        foreach (var record in inserts)
        {
            _insert.Parameters[0].Value = record.Seq;
            _insert.Parameters[1].Value = (int)record.Kind;
            _insert.Parameters[2].Value = record.Topic;
            _insert.Parameters[3].Value = record.Payload;
            _insert.Parameters[4].Value = created;
            _insert.ExecuteNonQuery();
            maxSeq = Math.Max(maxSeq, record.Seq);
        }

        if (maxSeq > 0)
        {
            _setLastSeq.Parameters[0].Value = maxSeq;
            _setLastSeq.ExecuteNonQuery();
        }

        foreach (var seq in acknowledged)
        {
            _delete.Parameters[0].Value = seq;
            using var reader = _delete.ExecuteReader();
            if (reader.Read())
            {
                deletedCount++;
                deletedBytes += reader.GetInt64(0);
                if (reader.GetInt32(1) == (int)MessageKind.Metrics)
                {
                    deletedMetrics++;
                }
            }
        }

        for (var i = 0; i < dropMetrics; i++)
        {
            using var reader = _dropOldestMetrics.ExecuteReader();
            if (!reader.Read())
            {
                break;
            }

            droppedMetrics++;
            droppedBytes += reader.GetInt64(0);
        }

        if (retained.Count > 0)
        {
            using var upsert = _writer.CreateCommand();
            upsert.Transaction = tx;
            upsert.CommandText = "INSERT INTO retained(topic, payload) VALUES ($t, $p) ON CONFLICT(topic) DO UPDATE SET payload = excluded.payload";
            var t = upsert.Parameters.Add("$t", SqliteType.Text);
            var p = upsert.Parameters.Add("$p", SqliteType.Blob);
            foreach (var (topic, payload) in retained)
            {
                t.Value = topic;
                p.Value = payload;
                upsert.ExecuteNonQuery();
            }
        }

        tx.Commit();
        return new CommitResult(deletedCount, deletedBytes, deletedMetrics, droppedMetrics, droppedBytes);
    }

    /// <summary>Reader connection: up to <paramref name="limit"/> rows after <paramref name="afterSeq"/>, in seq order.</summary>
    public List<OutboxRecord> ReadAfter(long afterSeq, int limit)
    {
        _readAfter.Parameters[0].Value = afterSeq;
        _readAfter.Parameters[1].Value = limit;
        var rows = new List<OutboxRecord>(Math.Min(limit, 1024));
        using var reader = _readAfter.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new OutboxRecord(reader.GetInt64(0), (MessageKind)reader.GetInt32(1), reader.GetString(2), (byte[])reader.GetValue(3)));
        }

        return rows;
    }

    /// <summary>Reader connection: the latest retained payload per topic.</summary>
    public List<(string Topic, byte[] Payload)> ReadRetained()
    {
        using var command = _reader.CreateCommand();
        command.CommandText = "SELECT topic, payload FROM retained ORDER BY topic";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, byte[])>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), (byte[])reader.GetValue(1)));
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
        _reader.Dispose();
        _writer.Dispose();
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
