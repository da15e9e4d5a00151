using System.Threading.Channels;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Signal;
using Dipper.Device.Journal;
using Dipper.Device.Service;
using Dipper.Device.Watching;
using Dipper.Device.Yield;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dipper.Device.Tests.Service;

/// <summary>The commit stage on its own: real outputs and a real journal, with failures injected into them.</summary>
public sealed class FileCommitterTests : IDisposable
{
    private readonly TestFolders _folders = new("dipper-commit-");
    private readonly List<(string Path, FileSettlement Settlement)> _settled = [];
    private readonly ServiceActivity _activity = new() { Phase = ServicePhase.Running };
    private readonly CallJournal _journal;
    private readonly FilesBeingCalled _files;
    private readonly StorageGuard _storage;
    private readonly Channel<InFlightFile> _finished = Channel.CreateBounded<InFlightFile>(1);
    private readonly CallRouter _router;
    private readonly FileCommitter _committer;

    public FileCommitterTests()
    {
        Directory.CreateDirectory(_folders.Output);
        _journal = CallJournal.Open(_folders.State);
        var layout = new OutputLayout([_folders.Input], _folders.Output);
        _files = new FilesBeingCalled(1, (file, settlement) => _settled.Add((file.Path, settlement)), _activity);
        _storage = new StorageGuard(layout, _folders.State, new FileSystemProbe(), _activity, TimeProvider.System,
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), NullLogger.Instance);
        _router = new CallRouter(layout, _files, _finished.Writer, _storage, _activity, NullLogger.Instance);
        _committer = new FileCommitter(_journal, layout, new RunSummaries(_journal), _files, _storage, _activity, NullLogger.Instance);
    }

    public void Dispose()
    {
        _journal.Dispose();
        SqliteConnection.ClearAllPools();
        _folders.Dispose();
    }

    [Fact]
    public async Task Journal_that_throws_a_SqliteException_still_gets_the_place_back_and_the_file_handed_back()
    {
        var signal = await CallOneReadAsync("a.fast5");
        // Injected failure: the journal's table vanishes under it, so its commit throws a real SqliteException.
        using (var other = new SqliteConnection($"Data Source={_journal.DatabasePath};Pooling=False"))
        {
            other.Open();
            using var drop = other.CreateCommand();
            drop.CommandText = "DROP TABLE files";
            drop.ExecuteNonQuery();
        }

        await CommitAsync();

        Assert.Equal([(signal.Path, FileSettlement.Abandoned)], _settled);
        Assert.Equal(0, _files.Count);
        Assert.Equal(0, _activity.FilesInFlight);
        Assert.True(_files.WaitForRoomAsync(CancellationToken.None).IsCompleted, "the file's place was not given back");
        Assert.Equal(ServicePhase.FolderUnavailable, _activity.Phase);
        var problem = Assert.Single(_activity.Problems.Snapshot());
        Assert.Contains(_folders.State, problem.Message);
        // The output was renamed into place before the journal failed: the next try adopts it instead of calling it again.
        Assert.True(File.Exists(Path.Combine(_folders.Output, "a.fast5.fastq.gz")));
        Assert.Equal(0, _activity.Yield.Report().Total.Reads);
    }

    [Fact]
    public async Task Unforeseen_exception_after_the_commit_still_gives_the_place_back()
    {
        var signal = await CallOneReadAsync("b.fast5");
        // Injected failure: the journal is closed under the committer (ObjectDisposedException from SQLite's connection).
        _journal.Dispose();

        await CommitAsync();

        Assert.Equal([(signal.Path, FileSettlement.Abandoned)], _settled);
        Assert.True(_files.WaitForRoomAsync(CancellationToken.None).IsCompleted, "the file's place was not given back");
        Assert.NotEqual(StorageCondition.Writable, _activity.Storage);
    }

    [Fact]
    public async Task Output_folder_that_vanished_is_not_created_again_and_no_engine_time_is_spent()
    {
        Directory.Delete(_folders.Output);
        await _files.WaitForRoomAsync(CancellationToken.None);
        var signal = Signal(Path.Combine(_folders.Input, "c.fast5"));

        Assert.False(_router.Begin(signal));

        Assert.False(Directory.Exists(_folders.Output));
        Assert.Equal([(signal.Path, FileSettlement.Abandoned)], _settled);
        Assert.True(_files.WaitForRoomAsync(CancellationToken.None).IsCompleted, "the file's place was not given back");
        Assert.Equal(ServicePhase.FolderUnavailable, _activity.Phase);
        Assert.Contains("does not exist", Assert.Single(_activity.Problems.Snapshot()).Message);
    }

    [Fact]
    public async Task Finished_file_is_committed_by_the_stage_with_its_reads_in_the_journal()
    {
        var signal = await CallOneReadAsync("d.fast5");

        await CommitAsync();

        Assert.Equal([(signal.Path, FileSettlement.Done)], _settled);
        Assert.Equal(["read-1"], _journal.ReadIds(signal.Path));
        Assert.Equal([("read-1", "ACGT")], GzFastq.Read(Path.Combine(_folders.Output, "d.fast5.fastq.gz")));
        var run = Assert.Single(_activity.Yield.Report().Runs);
        Assert.Equal((RunFolder.Top, 1L, 4L, 4), (run.Folder, run.Reads, run.Bases, run.ReadLengthN50));
        Assert.Equal([new QualityRange(10, 1)], run.MeanQualities); // '+' is Q10
        Assert.Equal(ServicePhase.Running, _activity.Phase);
        Assert.True(_files.WaitForRoomAsync(CancellationToken.None).IsCompleted);
    }

    private async Task<CompleteSignalFile> CallOneReadAsync(string name)
    {
        await _files.WaitForRoomAsync(CancellationToken.None);
        var signal = Signal(Path.Combine(_folders.Input, name));
        Assert.True(_router.Begin(signal));
        _router.Write(new CalledRead(new Read("read-1", [1, 2, 3], new SignalCalibration(0, 1), 4000) { SourcePath = signal.Path },
            new DecodedSequence("ACGT", "++++"), "m"));
        _router.End(signal.Path, 1, null);
        return signal;
    }

    private async Task CommitAsync()
    {
        _finished.Writer.Complete();
        await _committer.RunAsync(_finished.Reader).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static CompleteSignalFile Signal(string path) =>
        new(path, 100, DateTime.UtcNow.AddMinutes(-1), SignalFormat.Fast5, 1, DateTimeOffset.UtcNow);
}
