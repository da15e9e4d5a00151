using System.Threading.Channels;
using Dipper.Basecaller.Pipeline;
using Dipper.Device.Journal;
using Dipper.Device.Watching;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Dipper.Device.Service;

/// <summary>
/// The service's last stage, after the <see cref="CallRouter"/>: takes each finished file from a bounded
/// channel and commits it (its summary lines kept in the journal, its outputs flushed to disk, renamed into place,
/// the folder flushed, then the journal, then the lines appended to the run's sequencing summary), or sets it aside, or hands it back to be called again when its output could not be written.
/// Its own stage, so the fsyncs and SQLite's commit do not hold up the writing of other files' reads.
/// Whatever happens, even an exception no one foresaw, the file's place is given back and the watcher told
/// what became of it; a failed commit pauses calling through the <see cref="StorageGuard"/>.
/// </summary>
public sealed class FileCommitter
{
    private readonly CallJournal _journal;
    private readonly OutputLayout _layout;
    private readonly RunSummaries _summaries;
    private readonly FilesBeingCalled _files;
    private readonly StorageGuard _storage;
    private readonly ServiceActivity _state;
    private readonly ILogger _log;

    /// <summary>Creates the stage.</summary>
    public FileCommitter(CallJournal journal, OutputLayout layout, RunSummaries summaries, FilesBeingCalled files, StorageGuard storage,
        ServiceActivity state, ILogger log)
    {
        _journal = journal;
        _layout = layout;
        _summaries = summaries;
        _files = files;
        _storage = storage;
        _state = state;
        _log = log;
    }

    /// <summary>Commits every file that comes in, until the input completes.</summary>
    internal async Task RunAsync(ChannelReader<InFlightFile> finished)
    {
        await foreach (var file in finished.ReadAllAsync())
        {
            try
            {
                Settle(file);
            }
            catch (Exception e)
            {
                // Only the watcher's bookkeeping is left to fail here (the place is given back in any case); the stage must go on.
                _log.LogError(e, "{Input}: settling it failed", file.Signal.Path);
            }
        }
    }

    /// <summary>
    /// Records a file whose output already exists under its final name and is newer than the file: the output
    /// was renamed into place but the journal commit was lost (killed in between). Its reads are read back from it
    /// (and from its failing reads' output, with a quality filter), and its summary lines, which the journal kept,
    /// are appended.
    /// </summary>
    /// <returns>True when the file is settled this way (it needs no place); false when it must be called.</returns>
    public bool TryAdopt(CompleteSignalFile file)
    {
        var output = _layout.OutputFor(file.Path);
        if (output is null || !File.Exists(output)) return false;
        if (File.GetLastWriteTimeUtc(output) < file.Modified) return false;
        IReadOnlyList<ReadDone> reads;
        try
        {
            reads = OutputReads.Read(output, _layout.Format);
            if (_layout.FailedOutputFor(file.Path) is { } failed && File.Exists(failed))
                reads = [.. reads, .. OutputReads.Read(failed, _layout.Format)];
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            _log.LogWarning("{Output} exists but cannot be read back ({Error}); calling {Input} again", output, e.Message, file.Path);
            return false;
        }
        try
        {
            _journal.RecordDone(new CommittedFile(file.Path, file.Size, file.Modified, output, reads, 0, null, file.StableAt));
        }
        catch (Exception e)
        {
            // The output is in place; the journal will hear of it once it takes writes again.
            _storage.Report(StorageFault.From(e, _storage.StateFolder));
            _files.Release(file, FileSettlement.Abandoned);
            return true;
        }
        _log.LogInformation("{Input}: output {Output} was already complete ({Reads} reads); recorded as done", file.Path, output, reads.Count);
        AppendSummaries();
        _files.Release(file, FileSettlement.Done);
        return true;
    }

    /// <summary>Commits, sets aside or hands back one finished file; gives its place back whatever happens.</summary>
    internal void Settle(InFlightFile file)
    {
        var settlement = FileSettlement.Abandoned;
        try
        {
            settlement = Commit(file);
        }
        catch (Exception e)
        {
            // The output folder's part (flush, rename) or the journal's failed; which folder, the step says.
            var journal = e is SqliteException || file.Output.IsCommitted;
            var fault = StorageFault.From(e, journal ? _storage.StateFolder : _storage.OutputFolder, journal ? 0 : file.Output.BytesWritten);
            _log.LogError(e, "{Input}: its calls could not be committed ({Problem}); it will be called again", file.Signal.Path, fault.Message);
            _storage.Report(fault);
            try
            {
                file.Output.Dispose();
            }
            catch (Exception left) when (left is IOException or UnauthorizedAccessException)
            {
                // the unfinished output stays: its name says so, and the next start deletes it
            }
        }
        finally
        {
            _files.Release(file.Signal, settlement);
        }
    }

    /// <summary>
    /// Appends the summary lines of committed files (this one's, and any an earlier failure or crash left in the
    /// journal). A failure leaves the lines in the journal for the next commit and pauses calling like a failed output:
    /// the file itself is committed.
    /// </summary>
    public void AppendSummaries()
    {
        try
        {
            _summaries.AppendPending();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var fault = StorageFault.From(e, _storage.OutputFolder);
            _log.LogError("the sequencing summary could not be written ({Problem}); its lines are kept and appended later", fault.Message);
            _storage.Report(fault);
        }
    }

    private FileSettlement Commit(InFlightFile file)
    {
        var signal = file.Signal;
        // A file of another chemistry is set aside like a damaged one, not committed: calling it again would be refused
        // again, and committing it with its reads refused would hide that it was never called (IgnoreChemistry calls it).
        if ((file.Error ?? file.WrongChemistry) is { } error)
        {
            file.Output.Dispose();
            _log.LogWarning("set aside: {Error}", error);
            _state.Problems.Add(error);
            _journal.RecordFailed(signal.Path, signal.Size, signal.Modified, error, signal.StableAt);
            return FileSettlement.Failed;
        }
        if (file.WriteFault is { } fault)
        {
            _log.LogWarning("{Input}: its calls could not be written ({Problem}); it will be called again", signal.Path, fault.Message);
            return FileSettlement.Abandoned;
        }
        if (_layout.SummaryFor(signal.Path) is { } summary && file.SummaryLines.Length > 0)
            _journal.SaveSummaryLines(signal.Path, summary, file.SummaryLines.ToString());
        file.Output.Commit();
        _journal.RecordDone(new CommittedFile(signal.Path, signal.Size, signal.Modified, file.OutputPath, file.Reads, file.Refused,
            file.FirstRefusal, signal.StableAt));
        AppendSummaries();
        var latency = DateTimeOffset.UtcNow - signal.StableAt;
        _state.FileCommitted(file.Reads.Count, latency);
        _state.Yield.Add(file.RunFolder, file.Figures, file.Metadata);
        _storage.Succeeded();
        _log.LogInformation("{Input}: {Reads} reads → {Output} ({Latency:F1} s after it was complete)",
            signal.Path, file.Reads.Count, file.OutputPath, latency.TotalSeconds);
        return FileSettlement.Done;
    }
}
