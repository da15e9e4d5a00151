using System.Collections.Concurrent;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Pipeline;
using Dipper.Device.Journal;
using Dipper.Device.Watching;
using Microsoft.Extensions.Logging;

namespace Dipper.Device.Service;

/// <summary>
/// The pipeline's writer in the service: sends each called read to the FASTQ.gz of the signal file it came
/// from, and commits a file (fsync, rename, folder fsync, then the journal) as soon as all its reads are
/// out. Also keeps count of the files in flight: <see cref="WaitForRoomAsync"/> holds the source back while
/// <see cref="ServiceOptions.FilesInFlight"/> files are open, which bounds the open outputs.
/// </summary>
public sealed class CallRouter : ICalledReadWriter
{
    private readonly OutputLayout _layout;
    private readonly CallJournal _journal;
    private readonly Action<CompleteSignalFile, FileSettlement> _settle;
    private readonly ServiceActivity _state;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _room;
    private readonly ConcurrentDictionary<string, InFlightFile> _files = new(StringComparer.Ordinal);

    /// <summary>Creates the router.</summary>
    /// <param name="layout">Output names.</param>
    /// <param name="journal">Where commits are recorded.</param>
    /// <param name="settle">Told what became of each file (the watcher's <see cref="SignalFolderWatcher.Settle"/>).</param>
    /// <param name="state">Live state for the status page.</param>
    /// <param name="filesInFlight">Files open at once.</param>
    /// <param name="log">Log.</param>
    public CallRouter(OutputLayout layout, CallJournal journal, Action<CompleteSignalFile, FileSettlement> settle, ServiceActivity state,
        int filesInFlight, ILogger log)
    {
        _layout = layout;
        _journal = journal;
        _settle = settle;
        _state = state;
        _log = log;
        _room = new SemaphoreSlim(filesInFlight, filesInFlight);
    }

    /// <inheritdoc />
    public string Path => _layout.OutputFolder;

    /// <summary>Files being called now.</summary>
    public int InFlight => _files.Count;

    /// <summary>Waits until fewer than the allowed number of files are in flight, and takes a place.</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken) => _room.WaitAsync(cancellationToken);

    /// <summary>Gives back a place taken by <see cref="WaitForRoomAsync"/> that no file used.</summary>
    public void ReturnRoom() => _room.Release();

    /// <summary>
    /// Settles a file whose output already exists under its final name and is newer than the file: the output
    /// was renamed into place but the journal commit was lost (killed in between). Its reads are read back from it.
    /// </summary>
    /// <returns>True when the file is settled this way; false when it must be called.</returns>
    public bool TryAdopt(CompleteSignalFile file)
    {
        if (_layout.OutputFor(file.Path) is not { } output || !File.Exists(output)) return false;
        if (File.GetLastWriteTimeUtc(output) < file.Modified) return false;
        IReadOnlyList<ReadDone> reads;
        try
        {
            reads = FastqSummary.Read(output);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            _log.LogWarning("{Output} exists but cannot be read back ({Error}); calling {Input} again", output, e.Message, file.Path);
            return false;
        }
        _journal.RecordDone(new CommittedFile(file.Path, file.Size, file.Modified, output, reads, 0, null, file.StableAt));
        _log.LogInformation("{Input}: output {Output} was already complete ({Reads} reads); recorded as done", file.Path, output, reads.Count);
        _settle(file, FileSettlement.Done);
        return true;
    }

    /// <summary>Starts routing a file's reads; called before the first of them enters the pipeline.</summary>
    public void Begin(CompleteSignalFile file)
    {
        var output = _layout.OutputFor(file.Path) ?? throw new InvalidOperationException($"{file.Path} is under no input folder");
        // Opened now, not at the first read: a read-only or full output folder shows before any engine time is spent.
        _files[file.Path] = new InFlightFile(file, new CallsFile(output));
        _state.FilesInFlight = _files.Count;
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
        if (problem.ReadId is null || !_files.TryGetValue(problem.Path, out var file)) return;
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
            file.Output.Write(read);
            file.Reads.Add(new ReadDone(read.Read.ReadId, read.Read.SampleCount, read.Sequence.Bases.Length));
            TryFinish(file);
        }
    }

    /// <summary>Nothing to do: each file is committed on its own as it finishes.</summary>
    public void Commit()
    {
    }

    /// <summary>
    /// After the pipeline stopped early (engine failure, hard stop): deletes the unfinished outputs and hands
    /// their files back to the watcher to be called again.
    /// </summary>
    public void AbandonAll()
    {
        foreach (var file in _files.Values)
        {
            lock (file.Gate)
            {
                if (file.Finished) continue;
                file.Finished = true;
                file.Output.Dispose();
                Release(file, FileSettlement.Abandoned);
            }
        }
    }

    /// <summary>Abandons whatever is still in flight.</summary>
    public void Dispose() => AbandonAll();

    private void TryFinish(InFlightFile file)
    {
        if (file.Finished || !file.AllAccountedFor) return;
        file.Finished = true;
        var signal = file.Signal;
        // A file of another chemistry is set aside like a damaged one, not committed: calling it again would be refused
        // again, and committing it with its reads refused would hide that it was never called (IgnoreChemistry calls it).
        if ((file.Error ?? file.WrongChemistry) is { } error)
        {
            file.Output.Dispose();
            _log.LogWarning("set aside: {Error}", error);
            _state.Problems.Add(error);
            _journal.RecordFailed(signal.Path, signal.Size, signal.Modified, error, signal.StableAt);
            Release(file, FileSettlement.Failed);
            return;
        }
        try
        {
            file.Output.Commit();
        }
        catch (IOException e)
        {
            file.Output.Dispose();
            var message = $"{file.OutputPath}: the calls of {signal.Path} could not be written ({e.Message}); it will be called again";
            _log.LogError("{Message}", message);
            _state.Problems.Add(message);
            Release(file, FileSettlement.Abandoned);
            return;
        }
        _journal.RecordDone(new CommittedFile(signal.Path, signal.Size, signal.Modified, file.OutputPath, file.Reads, file.Refused,
            file.FirstRefusal, signal.StableAt));
        var latency = DateTimeOffset.UtcNow - signal.StableAt;
        _state.FileCommitted(file.Reads.Count, latency);
        _log.LogInformation("{Input}: {Reads} reads → {Output} ({Latency:F1} s after it was complete)",
            signal.Path, file.Reads.Count, file.OutputPath, latency.TotalSeconds);
        Release(file, FileSettlement.Done);
    }

    private void Release(InFlightFile file, FileSettlement settlement)
    {
        _files.TryRemove(file.Signal.Path, out _);
        _state.FilesInFlight = _files.Count;
        _settle(file.Signal, settlement);
        _room.Release();
    }
}
