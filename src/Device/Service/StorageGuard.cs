using Microsoft.Extensions.Logging;

namespace Dipper.Device.Service;

/// <summary>
/// Holds calling back while the output or state folder cannot take what the service writes. A failed write
/// (<see cref="Report"/>) pauses the source before it takes another file; each check waits longer than the
/// last (<see cref="ServiceOptions.StorageRetryDelay"/>, doubling up to <see cref="ServiceOptions.StorageRetryMaxDelay"/>),
/// and calling resumes at the first check that finds the cause gone: the folder back and writable, and for a
/// full disk enough free space for the file that failed. Without this a full disk made the service call the
/// same files again and again, burning the battery for nothing. The phase (<see cref="ServiceActivity.Phase"/>),
/// the LED and <c>/metrics</c> say why it waits, and the status page lists the cause once, with a count.
/// </summary>
public sealed class StorageGuard
{
    private readonly string _output;
    private readonly string _state;
    private readonly IStorageProbe _probe;
    private readonly ServiceActivity _activity;
    private readonly TimeProvider _time;
    private readonly TimeSpan _firstDelay;
    private readonly TimeSpan _maxDelay;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private StorageFault? _fault;
    private TimeSpan _delay;

    /// <summary>Creates the guard over the service's output and state folders.</summary>
    public StorageGuard(OutputLayout layout, string stateFolder, IStorageProbe probe, ServiceActivity activity, TimeProvider time,
        TimeSpan firstDelay, TimeSpan maxDelay, ILogger log)
    {
        _output = layout.OutputFolder;
        _state = Path.TrimEndingDirectorySeparator(Path.GetFullPath(stateFolder));
        _probe = probe;
        _activity = activity;
        _time = time;
        _firstDelay = firstDelay;
        _maxDelay = maxDelay < firstDelay ? firstDelay : maxDelay;
        _delay = firstDelay;
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

    /// <summary>A write failed: calling pauses until a check finds the cause gone. The cause is listed once on the status page, counted.</summary>
    public void Report(StorageFault fault)
    {
        lock (_gate)
        {
            // The largest need seen wins: a file that did not fit needs at least what it had written.
            if (_fault is { } current && current.Condition == fault.Condition && current.Folder == fault.Folder)
                fault = fault with { BytesNeeded = Math.Max(current.BytesNeeded, fault.BytesNeeded) };
            if (_fault is null) _log.LogError("{Problem}; calling pauses until it is fixed (first check in {Delay:g})", fault.Message, _delay);
            _fault = fault;
            _activity.Storage = fault.Condition;
        }
        _activity.Problems.Add(fault.Cause, $"{fault.Message}; calling pauses until it is fixed");
    }

    /// <summary>A file was committed: the folders take writes, so the next pause starts from the shortest wait again.</summary>
    public void Succeeded()
    {
        lock (_gate)
        {
            if (_fault is null) _delay = _firstDelay;
        }
    }

    /// <summary>Returns at once while both folders take writes; otherwise waits, checking with growing delays, until they do.</summary>
    public async Task WaitUntilWritableAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan delay;
            lock (_gate)
            {
                if (_fault is null) return;
                delay = _delay;
            }
            await Task.Delay(delay, _time, cancellationToken);
            lock (_gate)
            {
                var fault = _fault;
                if (fault is null) return;
                if (IsGone(fault))
                {
                    _log.LogInformation("{Folder} takes writes again; calling resumes", fault.Folder);
                    _fault = null;
                    _activity.Storage = StorageCondition.Writable;
                    _delay = _firstDelay;
                    return;
                }
                _delay = delay * 2 < _maxDelay ? delay * 2 : _maxDelay;
            }
        }
    }

    private bool IsGone(StorageFault fault)
    {
        if (!_probe.CanWrite(fault.Folder)) return false;
        if (fault.Condition != StorageCondition.Full) return true;
        // Room for the file that did not fit, and a little more: a file needs at least what it had written.
        var (available, _) = _probe.Space(fault.Folder);
        return available is null || available > fault.BytesNeeded + Margin;
    }

    /// <summary>Room kept beyond what the failed file needed: a few file-system blocks for its name and the journal's growth.</summary>
    private const long Margin = 64 * 1024;
}
