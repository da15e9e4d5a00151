using System.Collections.Concurrent;

namespace Dipper.Device.Watching;

/// <summary>
/// File-system notifications (inotify) for the input folders, reduced to "look at this path soon" and
/// "list everything again". Notifications are a hint for low latency, never trusted alone: network and
/// FUSE file systems send none, and a burst can overflow the kernel's queue, so the watcher also rescans.
/// </summary>
internal sealed class FolderNotifications : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly ConcurrentQueue<string> _touched = new();
    private volatile bool _rescanNeeded;

    public FolderNotifications(IEnumerable<string> folders, Action<string> warn)
    {
        foreach (var folder in folders)
        {
            try
            {
                var watcher = new FileSystemWatcher(folder)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.LastWrite,
                    InternalBufferSize = 64 * 1024,
                };
                watcher.Created += (_, e) => _touched.Enqueue(e.FullPath);
                watcher.Changed += (_, e) => _touched.Enqueue(e.FullPath);
                watcher.Renamed += (_, e) => _touched.Enqueue(e.FullPath);
                watcher.Error += (_, e) =>
                {
                    _rescanNeeded = true;
                    warn($"file notifications for {folder} failed ({e.GetException().Message}); relying on rescans");
                };
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
            catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                warn($"no file notifications for {folder} ({e.Message}); relying on rescans");
            }
        }
    }

    /// <summary>Paths that changed since the last call (files or new folders), each at most once.</summary>
    public HashSet<string> TakeTouched()
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        while (_touched.TryDequeue(out var path)) paths.Add(path);
        return paths;
    }

    /// <summary>True once after notifications were lost.</summary>
    public bool TakeRescanNeeded()
    {
        if (!_rescanNeeded) return false;
        _rescanNeeded = false;
        return true;
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers) watcher.Dispose();
        _watchers.Clear();
    }
}
