using System.Collections.Concurrent;
using Dipper.Device.Watching;

namespace Dipper.Device.Service;

/// <summary>
/// The signal files in flight, and the places for them: <see cref="WaitForRoomAsync"/> holds the source back
/// while <see cref="ServiceOptions.FilesInFlight"/> files are open, which bounds the open outputs. A file's place
/// is given back, and the watcher told what became of the file, in one call (<see cref="Release"/>), whatever
/// path the file took out: committed, set aside, or abandoned after a failure.
/// </summary>
public sealed class FilesBeingCalled
{
    private readonly ConcurrentDictionary<string, InFlightFile> _files = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _room;
    private readonly Action<CompleteSignalFile, FileSettlement> _settle;
    private readonly ServiceActivity _activity;

    /// <summary>Creates the places.</summary>
    /// <param name="capacity">Files open at once.</param>
    /// <param name="settle">Told what became of each file (the watcher's <see cref="SignalFolderWatcher.Settle"/>).</param>
    /// <param name="activity">Live state for the status page.</param>
    public FilesBeingCalled(int capacity, Action<CompleteSignalFile, FileSettlement> settle, ServiceActivity activity)
    {
        _room = new SemaphoreSlim(capacity, capacity);
        _settle = settle;
        _activity = activity;
    }

    /// <summary>Files in flight now.</summary>
    public int Count => _files.Count;

    /// <summary>Waits until fewer than the allowed number of files are in flight, and takes a place.</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken) => _room.WaitAsync(cancellationToken);

    /// <summary>Gives back a place taken by <see cref="WaitForRoomAsync"/> that no file used.</summary>
    public void ReturnRoom() => _room.Release();

    internal void Add(InFlightFile file)
    {
        _files[file.Signal.Path] = file;
        _activity.FilesInFlight = _files.Count;
    }

    internal InFlightFile this[string path] => _files[path];

    internal bool TryGet(string path, out InFlightFile file) => _files.TryGetValue(path, out file!);

    internal IReadOnlyList<InFlightFile> All => [.. _files.Values];

    /// <summary>Takes a file out of flight, tells the watcher what became of it and gives its place back.</summary>
    internal void Release(CompleteSignalFile file, FileSettlement settlement)
    {
        try
        {
            _files.TryRemove(file.Path, out _);
            _activity.FilesInFlight = _files.Count;
            _settle(file, settlement);
        }
        finally
        {
            _room.Release();
        }
    }
}
