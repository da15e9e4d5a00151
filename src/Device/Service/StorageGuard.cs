using Microsoft.Extensions.Logging;

namespace Dipper.Device.Service;

/// <summary>
/// Holds calling back while the output or state folder cannot take what the service writes. A failed write
/// (<see cref="Report"/>) pauses the source before it takes another file. Calling again is what costs (the
/// engines' time, the battery), looking is cheap: so the folder is looked at every
/// <see cref="ServiceOptions.StorageRetryDelay"/> (free space from statfs, a hidden file created and deleted),
/// and calling resumes at the first look that finds the cause gone (the folder back and writable, and for a full
/// disk room for the file that failed), but not before the retry delay has passed, which doubles with each pause
/// that follows a resume without a file committed in between, up to <see cref="ServiceOptions.StorageRetryMaxDelay"/>.
/// A failure the looks cannot see (an I/O error) resumes after the retry delay alone. Without this a full disk made
/// the service call the same files again and again. The phase (<see cref="ServiceActivity.Phase"/>), the LED and
/// <c>/metrics</c> say why it waits, and the status page lists the cause once, with a count.
/// </summary>
public sealed class StorageGuard
{
    /// <summary>Room kept beyond what the failed file needed: a few file-system blocks for its name and the journal's growth.</summary>
    private const long Margin = 64 * 1024;

    private readonly string _output;
    private readonly string _state;
    private readonly IStorageProbe _probe;
    private readonly ServiceActivity _activity;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lookEvery;
    private readonly TimeSpan _maxDelay;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private StorageFault? _fault;
    private DateTimeOffset _pausedAt;
    private TimeSpan _retryDelay;
    private bool _resumedWithoutCommit;

    /// <summary>Creates the guard over the service's output and state folders.</summary>
    /// <param name="layout">Where the output folder is.</param>
    /// <param name="stateFolder">The journal's folder.</param>
    /// <param name="probe">Looks at the folders.</param>
    /// <param name="activity">Told the condition, and the problems.</param>
    /// <param name="time">Clock.</param>
    /// <param name="lookEvery">How often a paused guard looks at the folder; also the first retry delay.</param>
    /// <param name="maxDelay">The longest retry delay.</param>
    /// <param name="log">Log.</param>
    public StorageGuard(OutputLayout layout, string stateFolder, IStorageProbe probe, ServiceActivity activity, TimeProvider time,
        TimeSpan lookEvery, TimeSpan maxDelay, ILogger log)
    {
        _output = layout.OutputFolder;
        _state = Path.TrimEndingDirectorySeparator(Path.GetFullPath(stateFolder));
        _probe = probe;
        _activity = activity;
        _time = time;
        _lookEvery = lookEvery;
        _maxDelay = maxDelay < lookEvery ? lookEvery : maxDelay;
        _retryDelay = lookEvery;
        _log = log;
    }

    /// <summary>The output folder.</summary>
    public string OutputFolder => _output;

    /// <summary>The state folder (the journal's).</summary>
    public string StateFolder => _state;

    /// <summary>The cause calling waits for, or null while both folders take writes.</summary>
    public StorageFault? Fault
    {
        get
        {
            lock (_gate) return _fault;
        }
    }

    /// <summary>Free space of the output and state folders, for the status page and <c>/metrics</c>.</summary>
    public IReadOnlyList<FolderSpace> Space()
    {
        var output = _probe.Space(_output);
        var state = _probe.Space(_state);
        return [new FolderSpace("output", _output, output.Available, output.Total), new FolderSpace("state", _state, state.Available, state.Total)];
    }

    /// <summary>A write failed: calling pauses until a look finds the cause gone. The cause is listed once on the status page, counted.</summary>
    public void Report(StorageFault fault)
    {
        lock (_gate)
        {
            if (_fault is { } current && current.Condition == fault.Condition && current.Folder == fault.Folder)
            {
                // The largest need seen wins: a file that did not fit needs at least what it had written.
                fault = fault with { BytesNeeded = Math.Max(current.BytesNeeded, fault.BytesNeeded) };
            }
            else if (_fault is null)
            {
                // A pause right after a resume that committed nothing: the cause was not gone after all, so wait longer this time.
                if (_resumedWithoutCommit) _retryDelay = _retryDelay * 2 < _maxDelay ? _retryDelay * 2 : _maxDelay;
                _pausedAt = _time.GetUtcNow();
                _log.LogError("{Problem}; calling pauses until it is fixed (looked at every {Every:g}, calling again after {Delay:g} at the soonest)",
                    fault.Message, _lookEvery, _retryDelay);
            }
            _fault = fault;
            _activity.Storage = fault.Condition;
        }
        _activity.Problems.Add(fault.Cause, $"{fault.Message}; calling pauses until it is fixed");
    }

    /// <summary>A file was committed: the folders take writes, so the next pause starts from the shortest retry delay again.</summary>
    public void Succeeded()
    {
        lock (_gate)
        {
            if (_fault is not null) return;
            _resumedWithoutCommit = false;
            _retryDelay = _lookEvery;
        }
    }

    /// <summary>Returns at once while both folders take writes; otherwise looks at them every interval until they do.</summary>
    public async Task WaitUntilWritableAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_fault is null) return;
            }
            await Task.Delay(_lookEvery, _time, cancellationToken);
            StorageFault? fault;
            DateTimeOffset due;
            lock (_gate)
            {
                fault = _fault;
                if (fault is null) return;
                due = _pausedAt + _retryDelay;
            }
            // Looked at outside the lock: a probe on a dying USB disk may take its time.
            var gone = IsGone(fault);
            lock (_gate)
            {
                if (_fault is null) return;
                if (!gone || _time.GetUtcNow() < due || _fault.Condition != fault.Condition || _fault.Folder != fault.Folder) continue;
                _log.LogWarning("{Folder} takes writes again; calling resumes", fault.Folder);
                _fault = null;
                _resumedWithoutCommit = true;
                _activity.Storage = StorageCondition.Writable;
                return;
            }
        }
    }

    private bool IsGone(StorageFault fault) => fault.Condition switch
    {
        // Free space first: statfs writes nothing to a disk that has no room.
        StorageCondition.Full => _probe.Space(fault.Folder).Available is not { } available || available > fault.BytesNeeded + Margin
            ? _probe.CanWrite(fault.Folder)
            : false,
        StorageCondition.Unavailable => _probe.CanWrite(fault.Folder),
        _ => true, // nothing to look at: the retry delay alone decides
    };
}
