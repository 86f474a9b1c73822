using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace EdgeInspect.Worker.OutboxStage;

/// <summary>
/// One statement of the group commit, prepared once on the writer connection's handle and run through SQLite's own
/// API. Binding a number or a span and stepping allocate nothing, where a <see cref="SqliteCommand"/> builds a data
/// reader, a statement iterator, a binder per parameter and a box per number on every execute (issue 18's profile:
/// 1.3 KB per part, a third of what a part cost between camera and disk). Errors are Microsoft.Data.Sqlite's own
/// <see cref="SqliteException"/>, with SQLite's code and message, so callers tell a full disk from any other failure
/// as before.
/// </summary>
/// <remarks>Not thread-safe: like the writer connection, it belongs to the outbox's writer task.</remarks>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the outbox connection is not open");
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public RawStatement Bind(int index, long value)
    {
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        return this;
    }

    public RawStatement Bind(int index, ReadOnlySpan<byte> blob)
    {
        // An empty span would bind NULL; an empty payload is still a value.
        Check(blob.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, index, 0) : raw.sqlite3_bind_blob(_statement, index, blob));
        return this;
    }

    public RawStatement Bind(int index, string text)
    {
        Check(raw.sqlite3_bind_text(_statement, index, text));
        return this;
    }

    /// <summary>Runs the statement to its end and resets it for the next use.</summary>
    public void Run()
    {
        while (Next())
        {
        }

        Reset();
    }

    /// <summary>Runs the statement and hands back the first column of its first row (0 when it returned none).</summary>
    public long Scalar() => RunReturning(out var first, out _) ? first : 0;

    /// <summary>
    /// Steps to the next row: true when there is one (read it with <see cref="Int64"/> and <see cref="Blob"/>), false at
    /// the end. The caller resets the statement with <see cref="Reset"/> when done, on every path.
    /// </summary>
    public bool Next()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }

        // The error is read before the reset, which would otherwise report it a second time.
        try
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
            throw new SqliteException($"SQLite error {rc}", rc);
        }
        finally
        {
            Reset();
        }
    }

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    /// <summary>The current row's blob; valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> Blob(int column) => raw.sqlite3_column_blob(_statement, column);

    /// <summary>Ends the current run and clears the bindings, so the statement is ready for the next.</summary>
    public void Reset()
    {
        raw.sqlite3_reset(_statement);
        raw.sqlite3_clear_bindings(_statement);
    }

    /// <summary>
    /// Runs a statement that returns at most one row (a <c>RETURNING</c> clause) to its end, and hands back that row's
    /// first two columns; false when it returned none.
    /// </summary>
    public bool RunReturning(out long first, out long second)
    {
        first = second = 0;
        var found = false;
        while (Next())
        {
            if (!found)
            {
                first = raw.sqlite3_column_int64(_statement, 0);
                second = raw.sqlite3_column_count(_statement) > 1 ? raw.sqlite3_column_int64(_statement, 1) : 0;
                found = true;
            }
        }

        Reset();
        return found;
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            Reset();
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
