using System.Threading.Channels;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Pipeline;
using Dipper.Device.Journal;
using Dipper.Device.Watching;
using Dipper.Device.Yield;
using Microsoft.Extensions.Logging;

namespace Dipper.Device.Service;

/// <summary>
/// The pipeline's writer in the service: sends each called read to the outputs of the signal file it came
/// from (and its line to the file's share of the sequencing summary), and as soon as all of a file's reads are out, hands the file to the <see cref="FileCommitter"/>
/// stage, so that flushing to disk and the journal's commit never hold up the writing of other files' reads.
/// A write that fails (disk full, folder gone) drops that file's output and tells the <see cref="StorageGuard"/>;
/// the file's remaining reads are counted and dropped, and the committer hands it back to be called later.
/// </summary>
public sealed class CallRouter : ICalledReadWriter
{
    private readonly OutputLayout _layout;
    private readonly FilesBeingCalled _files;
    private readonly ChannelWriter<InFlightFile> _finished;
    private readonly StorageGuard _storage;
    private readonly ServiceActivity _state;
    private readonly ILogger _log;

    /// <summary>Creates the router.</summary>
    /// <param name="layout">Output names.</param>
    /// <param name="files">The files in flight and their places.</param>
    /// <param name="finished">Where finished files go: the committer's input (bounded by the places, so never full).</param>
    /// <param name="storage">Told of failed writes.</param>
    /// <param name="state">Live state for the status page.</param>
    /// <param name="log">Log.</param>
    internal CallRouter(OutputLayout layout, FilesBeingCalled files, ChannelWriter<InFlightFile> finished, StorageGuard storage,
        ServiceActivity state, ILogger log)
    {
        _layout = layout;
        _files = files;
        _finished = finished;
        _storage = storage;
        _state = state;
        _log = log;
    }

    /// <inheritdoc />
    public string Path => _layout.OutputFolder;

    /// <summary>
    /// Starts routing a file's reads; called before the first of them enters the pipeline. False when its output
    /// cannot be opened (a read-only, full or vanished output folder): the file is handed back and its place given
    /// back, and no engine time is spent on it.
    /// </summary>
    public bool Begin(CompleteSignalFile file)
    {
        CallsFile calls;
        try
        {
            // The output folder itself is never created again: if its USB disk was pulled, the calls would land on the disk beneath.
            if (!Directory.Exists(_layout.OutputFolder)) throw new DirectoryNotFoundException($"{_layout.OutputFolder} does not exist");
            calls = _layout.Open(file.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _storage.Report(e is DirectoryNotFoundException && !Directory.Exists(_layout.OutputFolder)
                ? StorageFault.Missing(_layout.OutputFolder)
                : StorageFault.From(e, _layout.OutputFolder));
            _files.Release(file, FileSettlement.Abandoned);
            return false;
        }
        _files.Add(new InFlightFile(file, calls, _layout.RunFolderFor(file.Path) ?? RunFolder.Top));
        return true;
    }

    /// <summary>The source has read a file to its end (or stopped at damage): <paramref name="loaded"/> reads went in.</summary>
    public void End(string path, int loaded, string? error)
    {
        var file = _files[path];
        lock (file.Gate)
        {
            file.Loaded = loaded;
            file.Error = error;
            file.Ended = true;
            TryFinish(file);
        }
    }

    /// <summary>The pipeline refused a read (the report callback of <see cref="BasecallPipeline.RunAsync"/>).</summary>
    public void Refused(ReadProblem problem)
    {
        _state.Problems.Add(problem.Message);
        _log.LogWarning("{Problem}", problem.Message);
        if (problem.ReadId is null || !_files.TryGet(problem.Path, out var file)) return;
        lock (file.Gate)
        {
            file.Refused++;
            file.FirstRefusal ??= problem.Message;
            if (problem.WrongChemistry is not null) file.WrongChemistry ??= problem.Message;
            TryFinish(file);
        }
    }

    /// <summary>
    /// The pipeline calls a file's reads although their chemistry is unknown (<see cref="BasecallPipeline.Warn"/>, once per file):
    /// logged and shown with the problems, nothing else changes.
    /// </summary>
    public void Warned(ReadProblem warning)
    {
        _state.Problems.Add(warning.Message);
        _log.LogWarning("{Warning}", warning.Message);
    }

    /// <inheritdoc />
    public void Write(CalledRead read)
    {
        var file = _files[read.Read.SourcePath!];
        lock (file.Gate)
        {
            if (file.WriteFault is null)
            {
                try
                {
                    file.Output.Write(read);
                    file.Reads.Add(new ReadDone(read.Read.ReadId, read.Read.SampleCount, read.Sequence.Bases.Length));
                    file.Figures.Add(new ReadFigures(read.Sequence.Bases.Length, read.MeanQScore));
                    if (file.Metadata.Count < RunYield.MaxValues) file.Metadata.Add(RunMetadata.Of(read.Read));
                    if (_layout.Output.SequencingSummary) SequencingSummary.AppendLine(file.SummaryLines, read, file.Output.Passes(read));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    file.WriteFault = StorageFault.From(e, _layout.OutputFolder, file.Output.BytesWritten);
                    file.Output.Dispose(); // deletes the partial output: its room is needed
                    _storage.Report(file.WriteFault);
                    file.Dropped += file.Reads.Count + 1;
                    file.Reads.Clear();
                    file.Figures.Clear();
                    file.SummaryLines.Clear();
                }
            }
            else
            {
                file.Dropped++;
            }
            TryFinish(file);
        }
    }

    /// <summary>Nothing to do: each file is committed on its own as it finishes.</summary>
    public void Commit()
    {
    }

    /// <summary>
    /// After the pipeline stopped early (engine failure, hard stop): deletes the unfinished outputs and hands
    /// their files back to the watcher to be called again. Files already finished are the committer's.
    /// </summary>
    public void AbandonAll()
    {
        foreach (var file in _files.All)
        {
            lock (file.Gate)
            {
                if (file.Finished) continue;
                file.Finished = true;
            }
            try
            {
                file.Output.Dispose();
            }
            finally
            {
                _files.Release(file.Signal, FileSettlement.Abandoned);
            }
        }
    }

    /// <summary>Abandons whatever is still in flight.</summary>
    public void Dispose() => AbandonAll();

    private void TryFinish(InFlightFile file)
    {
        if (file.Finished || !file.AllAccountedFor) return;
        file.Finished = true;
        // Never full: it holds as many files as there are places, and a file keeps its place until committed.
        if (!_finished.TryWrite(file)) throw new InvalidOperationException($"{file.Signal.Path}: the committer takes no more files");
    }
}
