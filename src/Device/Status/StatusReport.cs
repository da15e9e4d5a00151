using Dipper.Device.Service;
using Dipper.Device.Yield;

namespace Dipper.Device.Status;

/// <summary>What <c>GET /status</c> returns: the appliance at a glance, for the status page and for scripts.</summary>
public sealed record StatusReport
{
    /// <summary>starting, running, enginefailed, diskfull, folderunavailable, stopping, stopped.</summary>
    public required string Phase { get; init; }

    /// <summary>When the report was made.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Seconds since the service started.</summary>
    public double UptimeSeconds { get; init; }

    /// <summary>Engine kind in use (onnx, tflite, edgetpu), null while there is none.</summary>
    public string? Engine { get; init; }

    /// <summary>Temperature, Edge TPU clock and thermal pause; null without a temperature reading.</summary>
    public ThermalStatus? Thermal { get; init; }

    /// <summary>An Edge TPU is plugged in but the model has nothing compiled for it, so the CPU calls; null otherwise.</summary>
    public string? EngineNotice { get; init; }

    /// <summary>Every engine and TPU with its health.</summary>
    public IReadOnlyList<EngineMember> Engines { get; init; } = [];

    /// <summary>The model's name.</summary>
    public string? Model { get; init; }

    /// <summary>Reads committed, over the journal's life.</summary>
    public long ReadsDone { get; init; }

    /// <summary>Reads committed since this start.</summary>
    public long ReadsSinceStart { get; init; }

    /// <summary>Reads the model could not call.</summary>
    public long ReadsRefused { get; init; }

    /// <summary>Bases written, over the journal's life.</summary>
    public long BasesDone { get; init; }

    /// <summary>
    /// The yield since this start, in total and per run folder: reads, bases, read-length N50 and histogram, mean-quality
    /// histogram, and the run ids, flow cells and kits the reads named.
    /// </summary>
    public YieldReport? Yield { get; init; }

    /// <summary>Signal files committed, over the journal's life.</summary>
    public long FilesDone { get; init; }

    /// <summary>Signal files set aside as damaged.</summary>
    public long FilesFailed { get; init; }

    /// <summary>Files still being written (or not yet unchanged for the stability delay).</summary>
    public int FilesGrowing { get; init; }

    /// <summary>Finished files waiting to be called: the backlog.</summary>
    public int Backlog { get; init; }

    /// <summary>Files being called now.</summary>
    public int FilesInFlight { get; init; }

    /// <summary>Items waiting in each pipeline stage's queue.</summary>
    public IReadOnlyDictionary<string, double> Queues { get; init; } = new Dictionary<string, double>();

    /// <summary>Raw samples called per second, last period.</summary>
    public double SamplesPerSecond { get; init; }

    /// <summary>Reads written per second, last period.</summary>
    public double ReadsPerSecond { get; init; }

    /// <summary>From "file complete" to "FASTQ on disk" for the last file, in seconds.</summary>
    public double? LastLatencySeconds { get; init; }

    /// <summary>Throughput over the last minutes, oldest first.</summary>
    public IReadOnlyList<ThroughputPoint> History { get; init; } = [];

    /// <summary>Free space of the output and state folders (MinKNOW shows the same for its own).</summary>
    public IReadOnlyList<FolderSpace> Storage { get; init; } = [];

    /// <summary>The last problems, newest first, one per cause with its count.</summary>
    public IReadOnlyList<RecentProblems.Problem> Problems { get; init; } = [];

    /// <summary>The files most recently set aside (damaged, or of another chemistry than the model's), newest first, with the reason.</summary>
    public IReadOnlyList<SetAsideFile> SetAside { get; init; } = [];
}

/// <summary>A signal file set aside: damaged, or of another chemistry than the model's.</summary>
/// <param name="Path">The file.</param>
/// <param name="Error">What is wrong with it.</param>
/// <param name="At">When it was set aside.</param>
public sealed record SetAsideFile(string Path, string? Error, DateTimeOffset At);
