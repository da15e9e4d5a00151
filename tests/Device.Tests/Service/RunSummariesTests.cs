using System.Text;
using Dipper.Basecaller.Output;
using Dipper.Device.Journal;
using Dipper.Device.Service;
using Microsoft.Data.Sqlite;

namespace Dipper.Device.Tests.Service;

/// <summary>The run folders' sequencing summaries over a real journal: each file's lines end up in them exactly once, whatever a crash cut short.</summary>
public sealed class RunSummariesTests : IDisposable
{
    private readonly TestFolders _folders = new("dipper-summaries-");
    private readonly CallJournal _journal;
    private readonly RunSummaries _summaries;
    private readonly string _summary;

    public RunSummariesTests()
    {
        _journal = CallJournal.Open(_folders.State);
        _summaries = new RunSummaries(_journal);
        _summary = Path.Combine(_folders.Output, "run1", SequencingSummary.FileName);
    }

    public void Dispose()
    {
        _journal.Dispose();
        SqliteConnection.ClearAllPools();
        _folders.Dispose();
    }

    private static string Lines(string file, int reads) =>
        string.Concat(Enumerable.Range(0, reads).Select(i => $"{file}\tread-{file}-{i}\trun7\t{i + 1}\t0\t1\t4000\tTRUE\t0\t1\t100\t12\tsbonito\n"));

    /// <summary>A file committed as the committer does it: its lines kept, then recorded as done.</summary>
    private string Commit(string name, int reads)
    {
        var path = Path.Combine(_folders.Input, "run1", "pod5", name);
        var lines = Lines(name, reads);
        _journal.SaveSummaryLines(path, _summary, lines);
        _journal.RecordDone(new CommittedFile(path, 1, DateTime.UtcNow, path + ".fastq.gz", [], 0, null, null));
        return lines;
    }

    [Fact]
    public void Each_files_lines_follow_the_header_once_and_are_then_forgotten()
    {
        var a = Commit("a.pod5", 3);
        Assert.Equal(1, _summaries.AppendPending());
        var b = Commit("b.pod5", 2);
        Assert.Equal(1, _summaries.AppendPending());
        Assert.Equal(0, _summaries.AppendPending());
        Assert.Equal(SequencingSummary.HeaderLine + a + b, File.ReadAllText(_summary));
    }

    [Fact]
    public void Lines_of_a_file_not_yet_done_wait_for_it()
    {
        var path = Path.Combine(_folders.Input, "run1", "pod5", "c.pod5");
        _journal.SaveSummaryLines(path, _summary, Lines("c.pod5", 2)); // saved, but the outputs never got their names
        Assert.Equal(0, _summaries.AppendPending());
        Assert.False(File.Exists(_summary));
    }

    [Theory]
    [InlineData(0.0)] // the crash came before any byte
    [InlineData(0.37)] // mid-line
    [InlineData(0.5)]
    [InlineData(1.0)] // all appended, but the journal had not yet forgotten the lines
    public void An_append_cut_short_by_a_crash_ends_with_the_lines_there_once(double fraction)
    {
        var a = Commit("a.pod5", 3);
        _summaries.AppendPending();
        var b = Commit("b.pod5", 40);
        // What a crash during b's append leaves: part of b's lines on disk, b's lines still in the journal.
        var bytes = Encoding.UTF8.GetBytes(b);
        using (var file = new FileStream(_summary, FileMode.Append)) file.Write(bytes, 0, (int)(bytes.Length * fraction));

        Assert.Equal(1, _summaries.AppendPending());
        Assert.Equal(SequencingSummary.HeaderLine + a + b, File.ReadAllText(_summary));
    }

    [Fact]
    public void A_torn_header_is_written_again()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_summary)!);
        File.WriteAllText(_summary, SequencingSummary.HeaderLine[..10]);
        var a = Commit("a.pod5", 2);
        _summaries.AppendPending();
        Assert.Equal(SequencingSummary.HeaderLine + a, File.ReadAllText(_summary));
    }
}
