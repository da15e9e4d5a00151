using System.Threading.Channels;
using Dipper.Basecaller.Signal;
using Dipper.Device.Journal;
using Microsoft.Extensions.Logging;

namespace Dipper.Device.Watching;

/// <summary>
/// Finds the signal files the sequencer finishes under the input folders (any depth: MinKNOW's
/// <c>pod5/</c>, <c>pod5_pass/</c>, <c>fast5_pass/</c>…, BLOW5 from slow5tools) and hands each out once it is
/// complete: size and time unchanged for the stability delay, then read whole by <see cref="SignalFileCheck"/>.
/// A file that is still damaged after that is set aside in the journal as failed, and looked at again only
/// if its size or time changes. Files the journal already settled, with the same size and time, are skipped.
/// </summary>
/// <remarks>
/// Memory: one small record per file under the input folders (a few hundred bytes; a run of 10,000 files
/// costs a few MB), plus at most <see cref="WatcherSettings.ReadyCapacity"/> checked files waiting for the
/// pipeline. Finished files beyond that wait as paths, unchecked: the backlog lives on the disk, not in memory.
/// </remarks>
public sealed class SignalFolderWatcher
{
    private readonly WatcherSettings _settings;
    private readonly CallJournal _journal;
    private readonly ILogger _log;
    private readonly Action<string, string>? _setAside;
    private readonly Dictionary<string, TrackedFile> _files = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Channel<(string Path, int Generation)> _finished = Channel.CreateUnbounded<(string, int)>();
    private readonly Channel<CompleteSignalFile> _ready;
    private readonly List<string> _inputs;
    private readonly List<string> _excluded;
    private long _lastPassTicks;

    /// <summary>Creates a watcher; nothing happens until <see cref="RunAsync"/>.</summary>
    /// <param name="settings">Folders and delays.</param>
    /// <param name="journal">Where settled files are looked up and damaged ones set aside.</param>
    /// <param name="log">Log.</param>
    /// <param name="setAside">Told of each file set aside as damaged (path, error), e.g. for the status page.</param>
    public SignalFolderWatcher(WatcherSettings settings, CallJournal journal, ILogger log, Action<string, string>? setAside = null)
    {
        _settings = settings;
        _journal = journal;
        _log = log;
        _setAside = setAside;
        _inputs = settings.InputFolders.Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f))).ToList();
        _excluded = settings.ExcludedFolders.Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f))).ToList();
        _ready = Channel.CreateBounded<CompleteSignalFile>(new BoundedChannelOptions(Math.Max(1, settings.ReadyCapacity)) { SingleWriter = true });
        LastPass = settings.Time.GetUtcNow();
    }

    /// <summary>Complete files, oldest-finished first. Completed when <see cref="RunAsync"/> ends.</summary>
    public ChannelReader<CompleteSignalFile> Ready => _ready.Reader;

    /// <summary>When the watcher last finished a pass over its files: proof of life for the watchdog.</summary>
    public DateTimeOffset LastPass
    {
        get => new(Interlocked.Read(ref _lastPassTicks), TimeSpan.Zero);
        private set => Interlocked.Exchange(ref _lastPassTicks, value.UtcTicks);
    }

    /// <summary>Counts of the files not called yet.</summary>
    public WatcherBacklog Backlog()
    {
        lock (_gate)
        {
            int growing = 0, waiting = 0, handedOut = 0;
            foreach (var file in _files.Values)
            {
                switch (file.State)
                {
                    case TrackedState.Growing: growing++; break;
                    case TrackedState.Queued or TrackedState.Checking: waiting++; break;
                    case TrackedState.HandedOut: handedOut++; break;
                }
            }
            var ready = _ready.Reader.Count;
            return new WatcherBacklog(growing, waiting, ready, handedOut - ready, _files.Count);
        }
    }

    /// <summary>Takes back a file handed out through <see cref="Ready"/>, saying what became of it.</summary>
    public void Settle(CompleteSignalFile file, FileSettlement settlement)
    {
        lock (_gate)
        {
            if (!_files.TryGetValue(file.Path, out var tracked)) return;
            if (settlement == FileSettlement.Abandoned)
            {
                // Finished already: hand it out again at the next pass, without another stability wait.
                tracked.Changed(file.Size, file.Modified, _settings.Time.GetUtcNow() - _settings.StabilityDelay);
                return;
            }
            tracked.Size = file.Size;
            tracked.Modified = file.Modified;
            tracked.State = TrackedState.Settled;
        }
    }

    /// <summary>Watches until cancelled, then completes <see cref="Ready"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var notifications = new FolderNotifications(_inputs, message => _log.LogWarning("{Message}", message));
        var checking = Task.Run(() => CheckFinishedAsync(cancellationToken), CancellationToken.None);
        try
        {
            await ScanAsync(notifications, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            _finished.Writer.TryComplete();
            try
            {
                await checking;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // stopping
            }
            _ready.Writer.TryComplete();
        }
    }

    private async Task ScanAsync(FolderNotifications notifications, CancellationToken cancellationToken)
    {
        var time = _settings.Time;
        var tick = TimeSpan.FromTicks(Math.Clamp(_settings.StabilityDelay.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromMilliseconds(500).Ticks));
        var nextRescan = DateTimeOffset.MinValue;
        while (true)
        {
            var now = time.GetUtcNow();
            if (now >= nextRescan || notifications.TakeRescanNeeded())
            {
                Rescan(now);
                nextRescan = now + _settings.RescanInterval;
            }
            foreach (var path in notifications.TakeTouched())
            {
                if (Directory.Exists(path)) ObserveFolder(path, now);
                else Observe(new FileInfo(path), now);
            }
            PromoteStable(now);
            LastPass = now;
            await Task.Delay(tick, time, cancellationToken);
        }
    }

    private void Rescan(DateTimeOffset now)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in _inputs)
        {
            if (!Directory.Exists(input))
            {
                _log.LogWarning("input folder {Folder} is missing", input);
                continue;
            }
            foreach (var file in Enumerate(input))
            {
                seen.Add(file.FullName);
                Observe(file, now);
            }
        }
        lock (_gate)
        {
            var gone = _files.Where(kv => kv.Value.State is TrackedState.Growing or TrackedState.Settled && !seen.Contains(kv.Key)).Select(kv => kv.Key).ToList();
            foreach (var path in gone) _files.Remove(path);
        }
    }

    private void ObserveFolder(string folder, DateTimeOffset now)
    {
        foreach (var file in Enumerate(folder)) Observe(file, now);
    }

    private static IEnumerable<FileInfo> Enumerate(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden,
        });

    /// <summary>Notes a file's size and time; a change restarts its stability wait.</summary>
    private void Observe(FileInfo file, DateTimeOffset now)
    {
        var path = file.FullName;
        if (IsIgnored(path)) return;
        long size;
        DateTime modified;
        try
        {
            file.Refresh();
            if (!file.Exists)
            {
                lock (_gate)
                {
                    if (_files.TryGetValue(path, out var t) && t.State is TrackedState.Growing or TrackedState.Settled) _files.Remove(path);
                }
                return;
            }
            size = file.Length;
            modified = file.LastWriteTimeUtc;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        lock (_gate)
        {
            if (!_files.TryGetValue(path, out var tracked))
            {
                var known = _journal.Find(path);
                if (known is not null && known.Matches(size, modified))
                {
                    _files[path] = new TrackedFile(size, modified, TrackedState.Settled, now);
                }
                else
                {
                    // A file untouched for the stability delay already (a backlog found at start) need not wait again.
                    var written = new DateTimeOffset(modified, TimeSpan.Zero);
                    _files[path] = new TrackedFile(size, modified, TrackedState.Growing, written < now ? written : now);
                }
                return;
            }
            if (tracked.State == TrackedState.HandedOut || !tracked.Differs(size, modified)) return;
            tracked.Changed(size, modified, now);
        }
    }

    private void PromoteStable(DateTimeOffset now)
    {
        List<(string, TrackedFile)> growing;
        lock (_gate) growing = _files.Where(kv => kv.Value.State == TrackedState.Growing).Select(kv => (kv.Key, kv.Value)).ToList();
        foreach (var (path, _) in growing) Observe(new FileInfo(path), now);
        lock (_gate)
        {
            foreach (var (path, file) in growing)
            {
                if (file.State != TrackedState.Growing || now - file.LastChange < _settings.StabilityDelay) continue;
                if (!_files.TryGetValue(path, out var current) || !ReferenceEquals(current, file)) continue;
                file.State = TrackedState.Queued;
                file.StableAt = now;
                _finished.Writer.TryWrite((path, file.Generation));
            }
        }
    }

    private async Task CheckFinishedAsync(CancellationToken cancellationToken)
    {
        await foreach (var (path, generation) in _finished.Reader.ReadAllAsync(cancellationToken))
        {
            TrackedFile? file;
            lock (_gate)
            {
                if (!_files.TryGetValue(path, out file) || file.State != TrackedState.Queued || file.Generation != generation) continue;
                file.State = TrackedState.Checking;
            }
            if (await CheckAsync(path, file, cancellationToken) is { } complete)
                await _ready.Writer.WriteAsync(complete, cancellationToken);
        }
    }

    /// <summary>Reads a finished file whole; the file to hand out, or null (not signal, damaged and set aside, or changed meanwhile).</summary>
    private async Task<CompleteSignalFile?> CheckAsync(string path, TrackedFile file, CancellationToken cancellationToken)
    {
        long size;
        DateTime modified;
        int generation;
        lock (_gate)
        {
            size = file.Size;
            modified = file.Modified;
            generation = file.Generation;
        }
        SignalFormat format;
        int reads = 0;
        string? error = null;
        try
        {
            format = SignalFile.Detect(path);
            if (format != SignalFormat.Unknown) reads = await SignalFileCheck.CountReadsAsync(path, cancellationToken);
        }
        catch (SignalFormatException e)
        {
            format = SignalFormat.Unknown;
            error = e.Message;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            format = SignalFormat.Unknown;
            error = $"{path}: {e.Message}";
        }

        var now = new FileInfo(path);
        lock (_gate)
        {
            if (file.Generation != generation || file.State != TrackedState.Checking) return null;
            if (!now.Exists || now.Length != size || now.LastWriteTimeUtc != modified)
            {
                // It changed while being read: the sequencer is not done with it after all.
                if (now.Exists) file.Changed(now.Length, now.LastWriteTimeUtc, _settings.Time.GetUtcNow());
                else _files.Remove(path);
                return null;
            }
            if (error is null && format == SignalFormat.Unknown)
            {
                file.State = TrackedState.Settled; // not a signal file (a report, a log, MinKNOW's own FASTQ)
                return null;
            }
            file.State = error is null ? TrackedState.HandedOut : TrackedState.Settled;
        }
        if (error is not null)
        {
            _log.LogWarning("set aside, damaged or incomplete after {Delay:g} unchanged: {Error}", _settings.StabilityDelay, error);
            _journal.RecordFailed(path, size, modified, error, file.StableAt);
            _setAside?.Invoke(path, error);
            return null;
        }
        return new CompleteSignalFile(path, size, modified, format, reads, file.StableAt);
    }

    private bool IsIgnored(string path)
    {
        var name = Path.GetFileName(path);
        if (name.StartsWith('.') || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".partial", StringComparison.OrdinalIgnoreCase))
            return true;
        foreach (var folder in _excluded)
        {
            if (path.StartsWith(folder, StringComparison.Ordinal) && path.Length > folder.Length && path[folder.Length] == Path.DirectorySeparatorChar)
                return true;
        }
        return false;
    }
}
