using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Dipper.Basecaller.Signal;
using Dipper.Device.Watching;

namespace Dipper.Device.Service;

/// <summary>
/// The pipeline's one, endless input in the service: the reads of each complete file the watcher hands
/// out, file after file, with no gap between files, so the engines stay busy across file ends. Each file is
/// announced to the <see cref="CallRouter"/> before its reads go in and its end (with the read count, or the
/// damage that stopped it) after the last. Before it takes a file it waits for a place
/// (<see cref="FilesBeingCalled"/>) and for folders that take writes (<see cref="StorageGuard"/>): while
/// the disk is full, no file is called. Ends, letting the pipeline drain, when <c>drain</c> is cancelled.
/// </summary>
public sealed class WatchedReadSource : ISignalReader
{
    private readonly ChannelReader<CompleteSignalFile> _ready;
    private readonly CallRouter _router;
    private readonly FilesBeingCalled _files;
    private readonly FileCommitter _committer;
    private readonly StorageGuard _storage;
    private readonly OutputLayout _layout;
    private readonly CancellationToken _drain;

    /// <summary>Creates the source over the watcher's complete files.</summary>
    public WatchedReadSource(ChannelReader<CompleteSignalFile> ready, CallRouter router, FilesBeingCalled files, FileCommitter committer,
        StorageGuard storage, OutputLayout layout, CancellationToken drain)
    {
        _ready = ready;
        _router = router;
        _files = files;
        _committer = committer;
        _storage = storage;
        _layout = layout;
        _drain = drain;
    }

    /// <summary>A name for messages: this is not one file.</summary>
    public string Path => "the watched input folders";

    /// <summary>Several formats, file by file.</summary>
    public SignalFormat Format => SignalFormat.Unknown;

    /// <inheritdoc />
    public async IAsyncEnumerable<Read> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await NextFileAsync(cancellationToken) is { } file)
        {
            if (!_router.Begin(file)) continue;
            var loaded = 0;
            string? error = null;
            ISignalReader? reader = null;
            IAsyncEnumerator<Read>? reads = null;
            try
            {
                try
                {
                    reader = SignalFile.Open(file.Path);
                    reads = reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    error = Describe(file.Path, e);
                }
                while (reads is not null)
                {
                    Read read;
                    try
                    {
                        if (!await reads.MoveNextAsync()) break;
                        read = reads.Current;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        error = Describe(file.Path, e);
                        break;
                    }
                    loaded++;
                    yield return Tagged(read, file.Path);
                }
            }
            finally
            {
                if (reads is not null) await reads.DisposeAsync();
                if (reader is not null) await reader.DisposeAsync();
            }
            _router.End(file.Path, loaded, error);
        }
    }

    /// <summary>Also nothing to release: every file is closed as soon as it is read.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The next complete file to call, once its folders take writes and there is a place for it; null when
    /// draining or the watcher stopped.
    /// </summary>
    private async Task<CompleteSignalFile?> NextFileAsync(CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _drain);
        while (true)
        {
            try
            {
                await _files.WaitForRoomAsync(either.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            CompleteSignalFile file;
            try
            {
                file = await _ready.ReadAsync(either.Token);
            }
            catch (Exception e) when (e is ChannelClosedException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _files.ReturnRoom();
                return null;
            }
            catch
            {
                _files.ReturnRoom();
                throw;
            }
            try
            {
                // Checked last, just before the file is begun: the disk may have filled while this waited for a place or a file.
                await _storage.WaitUntilWritableAsync(either.Token);
            }
            catch (OperationCanceledException)
            {
                _files.Release(file, FileSettlement.Abandoned);
                if (cancellationToken.IsCancellationRequested) throw;
                return null;
            }
            if (!_committer.TryAdopt(file)) return file;
        }
    }

    /// <summary>The read with its source set to the path the router files it under (readers may name it otherwise).</summary>
    private static Read Tagged(Read read, string path) => read.SourcePath == path ? read : read.WithSourcePath(path);

    private static string Describe(string path, Exception e) => e switch
    {
        SignalFormatException => e.Message,
        IOException or UnauthorizedAccessException => $"{path}: {e.Message}",
        _ => $"{path}: the reader failed ({e.GetType().Name}: {e.Message})",
    };
}
