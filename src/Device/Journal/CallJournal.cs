using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Dipper.Device.Journal;

/// <summary>
/// The appliance's memory of what it has done, in SQLite (<c>journal.db</c> in the state folder): each
/// signal file settled (done, with its output and reads; or failed, with the error) and the size and time
/// it had then, so a restart neither calls a file twice nor retries a damaged one forever.
/// </summary>
/// <remarks>
/// Write-ahead logging lets the status page read while a commit is written. <c>synchronous=FULL</c>: each
/// commit is flushed to disk before it returns, so after a power cut the journal agrees with the outputs
/// already renamed into place. NORMAL would survive a killed process just as well but may lose the last
/// commits on power loss; the output-exists check would recover those, yet commits come once per signal
/// file (seconds apart), so the extra flush costs nothing worth saving. The journal is not the only commit
/// point: an output under its final name marks its input done even if its journal commit was lost.
/// One connection, used under a lock: calls come from the watcher and the pipeline's writer.
/// </remarks>
public sealed class CallJournal : IDisposable
{
    /// <summary>The database's file name in the state folder.</summary>
    public const string FileName = "journal.db";

    private const int SchemaVersion = 1;
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private CallJournal(SqliteConnection connection, string path)
    {
        _connection = connection;
        DatabasePath = path;
    }

    /// <summary>The database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Opens (creating if needed) the journal in <paramref name="stateFolder"/>.</summary>
    /// <exception cref="SqliteException">The database is unreadable or from a newer Dipper.</exception>
    public static CallJournal Open(string stateFolder)
    {
        Directory.CreateDirectory(stateFolder);
        var path = Path.Combine(Path.GetFullPath(stateFolder), FileName);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        try
        {
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
            var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
                throw new InvalidDataException($"{path}: journal schema {version} is newer than this dipperd understands ({SchemaVersion})");
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS files (
                    path       TEXT PRIMARY KEY,
                    size       INTEGER NOT NULL,
                    modified   INTEGER NOT NULL,
                    state      TEXT NOT NULL CHECK (state IN ('done', 'failed')),
                    error      TEXT,
                    output     TEXT,
                    reads      INTEGER NOT NULL DEFAULT 0,
                    refused    INTEGER NOT NULL DEFAULT 0,
                    samples    INTEGER NOT NULL DEFAULT 0,
                    bases      INTEGER NOT NULL DEFAULT 0,
                    stable_at  INTEGER,
                    settled_at INTEGER NOT NULL
                );
                CREATE TABLE IF NOT EXISTS reads (
                    path    TEXT NOT NULL,
                    read_id TEXT NOT NULL,
                    samples INTEGER NOT NULL,
                    bases   INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS reads_by_path ON reads (path);
                CREATE INDEX IF NOT EXISTS files_by_state ON files (state, settled_at);
                CREATE TABLE IF NOT EXISTS summary_lines (
                    path    TEXT PRIMARY KEY,
                    summary TEXT NOT NULL,
                    lines   TEXT NOT NULL
                );
                PRAGMA user_version = 1;
                """);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return new CallJournal(connection, path);
    }

    /// <summary>What is known of a signal file, or null.</summary>
    public JournalEntry? Find(string path)
    {
        lock (_gate)
        {
            using var command = Command("SELECT path, size, modified, state, error, output, reads, refused, stable_at, settled_at FROM files WHERE path = $path");
            command.Parameters.AddWithValue("$path", path);
            using var reader = command.ExecuteReader();
            return reader.Read() ? Entry(reader) : null;
        }
    }

    /// <summary>Records a file's calls as done (replacing any earlier record and reads of the same file), in one transaction.</summary>
    public void RecordDone(CommittedFile file)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using (var delete = Command("DELETE FROM reads WHERE path = $path", transaction))
            {
                delete.Parameters.AddWithValue("$path", file.Path);
                delete.ExecuteNonQuery();
            }
            using (var insert = Command("INSERT INTO reads (path, read_id, samples, bases) VALUES ($path, $id, $samples, $bases)", transaction))
            {
                var id = insert.Parameters.Add("$id", SqliteType.Text);
                var samples = insert.Parameters.Add("$samples", SqliteType.Integer);
                var bases = insert.Parameters.Add("$bases", SqliteType.Integer);
                insert.Parameters.AddWithValue("$path", file.Path);
                insert.Prepare();
                foreach (var read in file.Reads)
                {
                    id.Value = read.ReadId;
                    samples.Value = read.Samples;
                    bases.Value = read.Bases;
                    insert.ExecuteNonQuery();
                }
            }
            Upsert(transaction, file.Path, file.Size, file.Modified, FileState.Done, file.Note, file.Output, file.Reads.Count, file.Refused,
                file.Reads.Sum(r => r.Samples), file.Reads.Sum(r => r.Bases), file.StableAt);
            transaction.Commit();
        }
    }

    /// <summary>
    /// Keeps a file's lines for its run folder's sequencing summary until they are appended to it
    /// (<see cref="SummaryAppended"/>); saved before the file's outputs are renamed into place, so the lines of an
    /// output whose commit the journal never heard of can still be appended when the output is adopted.
    /// </summary>
    public void SaveSummaryLines(string path, string summary, string lines)
    {
        lock (_gate)
        {
            using var command = Command("INSERT OR REPLACE INTO summary_lines (path, summary, lines) VALUES ($path, $summary, $lines)");
            command.Parameters.AddWithValue("$path", path);
            command.Parameters.AddWithValue("$summary", summary);
            command.Parameters.AddWithValue("$lines", lines);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Summary lines of files recorded as done that are not yet known to be in their summary.</summary>
    public IReadOnlyList<PendingSummaryLines> PendingSummaryLines()
    {
        lock (_gate)
        {
            using var command = Command(
                "SELECT s.path, s.summary, s.lines FROM summary_lines s JOIN files f ON f.path = s.path AND f.state = 'done' ORDER BY s.rowid");
            using var reader = command.ExecuteReader();
            var pending = new List<PendingSummaryLines>();
            while (reader.Read()) pending.Add(new PendingSummaryLines(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            return pending;
        }
    }

    /// <summary>Forgets a file's summary lines: they are in its summary.</summary>
    public void SummaryAppended(string path)
    {
        lock (_gate)
        {
            using var command = Command("DELETE FROM summary_lines WHERE path = $path");
            command.Parameters.AddWithValue("$path", path);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Sets a file aside as damaged until its size or time changes.</summary>
    public void RecordFailed(string path, long size, DateTime modified, string error, DateTimeOffset? stableAt)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using (var delete = Command("DELETE FROM reads WHERE path = $path", transaction))
            {
                delete.Parameters.AddWithValue("$path", path);
                delete.ExecuteNonQuery();
            }
            Upsert(transaction, path, size, modified, FileState.Failed, error, null, 0, 0, 0, 0, stableAt);
            transaction.Commit();
        }
    }

    /// <summary>The read ids recorded for a file, in the order written.</summary>
    public IReadOnlyList<string> ReadIds(string path)
    {
        lock (_gate)
        {
            using var command = Command("SELECT read_id FROM reads WHERE path = $path ORDER BY rowid");
            command.Parameters.AddWithValue("$path", path);
            using var reader = command.ExecuteReader();
            var ids = new List<string>();
            while (reader.Read()) ids.Add(reader.GetString(0));
            return ids;
        }
    }

    /// <summary>Totals over every file settled.</summary>
    public JournalTotals Totals()
    {
        lock (_gate)
        {
            using var command = Command("""
                SELECT COALESCE(SUM(state = 'done'), 0), COALESCE(SUM(state = 'failed'), 0), COALESCE(SUM(reads), 0),
                       COALESCE(SUM(samples), 0), COALESCE(SUM(bases), 0), COALESCE(SUM(refused), 0) FROM files
                """);
            using var reader = command.ExecuteReader();
            reader.Read();
            return new JournalTotals(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
        }
    }

    /// <summary>The most recently settled files in a state, newest first.</summary>
    public IReadOnlyList<JournalEntry> Recent(FileState state, int count)
    {
        lock (_gate)
        {
            using var command = Command("""
                SELECT path, size, modified, state, error, output, reads, refused, stable_at, settled_at FROM files
                WHERE state = $state ORDER BY settled_at DESC LIMIT $count
                """);
            command.Parameters.AddWithValue("$state", StateName(state));
            command.Parameters.AddWithValue("$count", count);
            using var reader = command.ExecuteReader();
            var entries = new List<JournalEntry>();
            while (reader.Read()) entries.Add(Entry(reader));
            return entries;
        }
    }

    /// <summary>
    /// A PRAGMA's value as the journal's own connection sees it. <c>synchronous</c> is a setting of the
    /// connection, not of the file, so only this connection can show what the journal commits with.
    /// </summary>
    internal object? Pragma(string name)
    {
        lock (_gate) return Scalar(_connection, $"PRAGMA {name}");
    }

    /// <summary>Closes the database (checkpointing the write-ahead log).</summary>
    public void Dispose()
    {
        lock (_gate) _connection.Dispose();
    }

    private void Upsert(SqliteTransaction transaction, string path, long size, DateTime modified, FileState state, string? error, string? output,
        long reads, long refused, long samples, long bases, DateTimeOffset? stableAt)
    {
        using var command = Command("""
            INSERT INTO files (path, size, modified, state, error, output, reads, refused, samples, bases, stable_at, settled_at)
            VALUES ($path, $size, $modified, $state, $error, $output, $reads, $refused, $samples, $bases, $stable, $settled)
            ON CONFLICT (path) DO UPDATE SET size = excluded.size, modified = excluded.modified, state = excluded.state,
                error = excluded.error, output = excluded.output, reads = excluded.reads, refused = excluded.refused,
                samples = excluded.samples, bases = excluded.bases, stable_at = excluded.stable_at, settled_at = excluded.settled_at
            """, transaction);
        command.Parameters.AddWithValue("$path", path);
        command.Parameters.AddWithValue("$size", size);
        command.Parameters.AddWithValue("$modified", modified.ToUniversalTime().Ticks);
        command.Parameters.AddWithValue("$state", StateName(state));
        command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("$output", (object?)output ?? DBNull.Value);
        command.Parameters.AddWithValue("$reads", reads);
        command.Parameters.AddWithValue("$refused", refused);
        command.Parameters.AddWithValue("$samples", samples);
        command.Parameters.AddWithValue("$bases", bases);
        command.Parameters.AddWithValue("$stable", stableAt is { } s ? s.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("$settled", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    private static JournalEntry Entry(SqliteDataReader r) => new(
        r.GetString(0), r.GetInt64(1), new DateTime(r.GetInt64(2), DateTimeKind.Utc),
        r.GetString(3) == "done" ? FileState.Done : FileState.Failed,
        r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetInt64(6), r.GetInt64(7),
        r.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)));

    private static string StateName(FileState state) => state == FileState.Done ? "done" : "failed";

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
