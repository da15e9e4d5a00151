using Dipper.Device.Journal;

namespace Dipper.Device.Tests.Journal;

public sealed class CallJournalTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("dipper-journal-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private static readonly DateTime Modified = new(2026, 11, 27, 10, 0, 0, 123, DateTimeKind.Utc);

    [Fact]
    public void Done_file_is_found_with_its_reads_after_the_journal_is_reopened()
    {
        using (var journal = CallJournal.Open(_state))
        {
            journal.RecordDone(new CommittedFile("/in/a.pod5", 1000, Modified, "/out/a.pod5.fastq.gz",
                [new ReadDone("r1", 4000, 400), new ReadDone("r2", 8000, 800)], 1, "read r3: sample rate 5000 Hz is not supported", DateTimeOffset.UtcNow));
        }
        using var reopened = CallJournal.Open(_state);
        var entry = reopened.Find("/in/a.pod5");
        Assert.NotNull(entry);
        Assert.Equal(FileState.Done, entry.State);
        Assert.True(entry.Matches(1000, Modified));
        Assert.False(entry.Matches(1001, Modified));
        Assert.Equal("/out/a.pod5.fastq.gz", entry.Output);
        Assert.Equal(2, entry.Reads);
        Assert.Equal(1, entry.Refused);
        Assert.Equal(["r1", "r2"], reopened.ReadIds("/in/a.pod5"));
        Assert.Equal(new JournalTotals(1, 0, 2, 12000, 1200, 1), reopened.Totals());
        Assert.Null(reopened.Find("/in/other.pod5"));
    }

    [Fact]
    public void Journal_uses_write_ahead_logging_and_full_sync()
    {
        using var journal = CallJournal.Open(_state);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={journal.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        // WAL is recorded in the file, so a second connection sees it.
        Assert.Equal("wal", command.ExecuteScalar());
        // synchronous belongs to the connection (a fresh one shows SQLite's default), so ask the journal's own: 2 is FULL.
        Assert.Equal(2L, journal.Pragma("synchronous"));
    }

    [Fact]
    public void Failed_file_keeps_its_error_until_a_later_commit_replaces_it()
    {
        using var journal = CallJournal.Open(_state);
        journal.RecordFailed("/in/b.blow5", 500, Modified, "/in/b.blow5 at byte 480: end-of-file marker missing", null);
        var failed = journal.Find("/in/b.blow5")!;
        Assert.Equal(FileState.Failed, failed.State);
        Assert.Contains("end-of-file marker missing", failed.Error);
        Assert.Single(journal.Recent(FileState.Failed, 10));

        journal.RecordDone(new CommittedFile("/in/b.blow5", 900, Modified.AddSeconds(5), "/out/b.blow5.fastq.gz", [new ReadDone("r1", 10, 1)], 0, null, null));
        var done = journal.Find("/in/b.blow5")!;
        Assert.Equal(FileState.Done, done.State);
        Assert.Null(done.Error);
        Assert.Empty(journal.Recent(FileState.Failed, 10));
        Assert.Equal(new JournalTotals(1, 0, 1, 10, 1, 0), journal.Totals());
    }

    [Fact]
    public void Recalled_file_replaces_its_reads_instead_of_adding_to_them()
    {
        using var journal = CallJournal.Open(_state);
        var file = new CommittedFile("/in/c.fast5", 10, Modified, "/out/c.fast5.fastq.gz", [new ReadDone("r1", 10, 1)], 0, null, null);
        journal.RecordDone(file);
        journal.RecordDone(file with { Size = 11 });
        Assert.Equal(["r1"], journal.ReadIds("/in/c.fast5"));
        Assert.Equal(1, journal.Totals().Reads);
    }
}
