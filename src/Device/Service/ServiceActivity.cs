using Dipper.Basecaller.Pipeline;
using Dipper.Device.Yield;

namespace Dipper.Device.Service;

/// <summary>
/// What the calling service is doing now, shared with the status page, the metrics and the watchdog: the
/// phase, the engines, the running pipeline's counters, the files in flight and the last problems.
/// Written by the service, read from any thread.
/// </summary>
public sealed class ServiceActivity
{
    private volatile PipelineCounters? _counters;
    private volatile EngineSet? _engines;
    private volatile ServicePhase _phase = ServicePhase.Starting;
    private volatile StorageCondition _storage = StorageCondition.Writable;
    private long _committedFiles, _committedReads, _lastLatencyTicks = -1;
    private long _lastProgressTicks = DateTimeOffset.UtcNow.UtcTicks;
    private long _progressMark = -1;
    private readonly Lock _gate = new();

    /// <summary>The last problems, newest first.</summary>
    public RecentProblems Problems { get; } = new();

    /// <summary>Bases, reads, read lengths and qualities committed since start, per run folder and in total.</summary>
    public RunYields Yield { get; } = new();

    /// <summary>
    /// What the service is doing. While it runs but waits for its output or state folder
    /// (<see cref="Storage"/>), <see cref="ServicePhase.DiskFull"/> or <see cref="ServicePhase.FolderUnavailable"/>.
    /// </summary>
    public ServicePhase Phase
    {
        get => _phase == ServicePhase.Running ? _storage switch
        {
            StorageCondition.Full => ServicePhase.DiskFull,
            StorageCondition.Unavailable or StorageCondition.Failing => ServicePhase.FolderUnavailable,
            _ => ServicePhase.Running,
        } : _phase;
        set => _phase = value;
    }

    /// <summary>Whether the output and state folders take writes (set by the <see cref="StorageGuard"/>).</summary>
    public StorageCondition Storage
    {
        get => _storage;
        set => _storage = value;
    }

    /// <summary>Counters of the pipeline run in progress (a new run starts after an engine failure); null before the first.</summary>
    public PipelineCounters? Counters
    {
        get => _counters;
        set => _counters = value;
    }

    /// <summary>The engines in use, or null while there are none.</summary>
    public EngineSet? Engines
    {
        get => _engines;
        set
        {
            _engines = value;
            if (value is not null) EngineNotice = value.Notice;
        }
    }

    /// <summary>
    /// What the operator should know about the engines (a TPU with no model compiled for it), kept while the engines
    /// are rebuilt after a failure: it is a property of the package and the TPUs, not of one engine set.
    /// </summary>
    public string? EngineNotice { get; private set; }

    /// <summary>The model's name, once loaded.</summary>
    public string? ModelName { get; set; }

    /// <summary>The engine kind in use, or null.</summary>
    public string? EngineName => _engines?.Name;

    /// <summary>Files being called now.</summary>
    public int FilesInFlight { get; set; }

    /// <summary>Files committed since start.</summary>
    public long CommittedFiles => Interlocked.Read(ref _committedFiles);

    /// <summary>Reads committed since start.</summary>
    public long CommittedReads => Interlocked.Read(ref _committedReads);

    /// <summary>Time from "file complete" to "FASTQ on disk" of the last file committed; null before the first.</summary>
    public TimeSpan? LastLatency => Interlocked.Read(ref _lastLatencyTicks) is var t and >= 0 ? TimeSpan.FromTicks(t) : null;

    /// <summary>Notes a committed file.</summary>
    public void FileCommitted(int reads, TimeSpan latency)
    {
        Interlocked.Increment(ref _committedFiles);
        Interlocked.Add(ref _committedReads, reads);
        Interlocked.Exchange(ref _lastLatencyTicks, Math.Max(0, latency.Ticks));
    }

    /// <summary>
    /// When the pipeline was last seen to move (a read loaded, a batch inferred, a read written, a file
    /// settled). Each call compares the counters with the previous call's, so call it regularly (the watchdog does).
    /// </summary>
    public DateTimeOffset LastProgress()
    {
        var c = _counters;
        var mark = (c?.ReadsLoaded ?? 0) + (c?.Batches ?? 0) + (c?.ReadsCalled ?? 0) + (c?.ReadsFailed ?? 0) + CommittedFiles;
        lock (_gate)
        {
            if (mark != _progressMark)
            {
                _progressMark = mark;
                _lastProgressTicks = DateTimeOffset.UtcNow.UtcTicks;
            }
            return new DateTimeOffset(_lastProgressTicks, TimeSpan.Zero);
        }
    }
}
