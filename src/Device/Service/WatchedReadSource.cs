using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Dipper.Basecaller.Signal;
using Dipper.Device.Watching;

namespace Dipper.Device.Service;

/// <summary>
/// The pipeline's one, endless input in the service: the reads of each complete file the watcher hands
/// out, file after file, with no gap between files, so the engines stay busy across file ends. Each file is
/// announced to the <see cref="CallRouter"/> before its reads go in and its end (with the read count, or the
/// damage that stopped it) after the last. Ends, letting the pipeline drain, when <c>drain</c> is cancelled.
/// </summary>
public sealed class WatchedReadSource : ISignalReader
{
    private readonly ChannelReader<CompleteSignalFile> _ready;
    private readonly CallRouter _router;
    private readonly CancellationToken _drain;

    /// <summary>Creates the source over the watcher's complete files.</summary>
    public WatchedReadSource(ChannelReader<CompleteSignalFile> ready, CallRouter router, CancellationToken drain)
    {
        _ready = ready;
        _router = router;
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
            _router.Begin(file);
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

    /// <summary>The next complete file to call, once there is room for it; null when draining or the watcher stopped.</summary>
    private async Task<CompleteSignalFile?> NextFileAsync(CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _drain);
        while (true)
        {
            try
            {
                await _router.WaitForRoomAsync(either.Token);
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
                _router.ReturnRoom();
                return null;
            }
            catch
            {
                _router.ReturnRoom();
                throw;
            }
            if (!_router.TryAdopt(file)) return file;
            _router.ReturnRoom();
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
