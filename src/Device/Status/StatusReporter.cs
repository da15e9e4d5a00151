using Dipper.Device.Journal;
using Dipper.Device.Service;
using Dipper.Device.Thermal;
using Dipper.Device.Watching;

namespace Dipper.Device.Status;

/// <summary>Puts a <see cref="StatusReport"/> together from the service's parts (the thermal governor and the storage guard are optional).</summary>
public sealed class StatusReporter(ServiceActivity state, SignalFolderWatcher watcher, CallJournal journal, ThroughputHistory history,
    MetricsCollector metrics, TimeProvider time, ThermalGovernor? thermal = null, StorageGuard? storage = null)
{
    // The pipeline's queue-depth gauges (meter Dipper.Basecaller.Pipeline) are named dipper.queue.STAGE.
    private const string QueuePrefix = "dipper.queue.";
    private readonly DateTimeOffset _started = time.GetUtcNow();

    /// <summary>The report now.</summary>
    public StatusReport Build()
    {
        var now = time.GetUtcNow();
        var totals = journal.Totals();
        var backlog = watcher.Backlog();
        var latest = history.Latest;
        var queues = metrics.Collect()
            .Where(p => p.Name.StartsWith(QueuePrefix, StringComparison.Ordinal))
            .GroupBy(p => p.Name[QueuePrefix.Length..])
            .ToDictionary(g => g.Key, g => g.Last().Value);
        return new StatusReport
        {
            Phase = state.Phase.ToString().ToLowerInvariant(),
            At = now,
            UptimeSeconds = (now - _started).TotalSeconds,
            Engine = state.EngineName,
            Engines = state.Engines?.Members() ?? [],
            EngineNotice = state.EngineNotice,
            Thermal = ThermalStatus.From(thermal?.State),
            Model = state.ModelName,
            ReadsDone = totals.Reads,
            ReadsSinceStart = state.CommittedReads,
            ReadsRefused = totals.Refused,
            BasesDone = totals.Bases,
            Yield = state.Yield.Report(),
            FilesDone = totals.FilesDone,
            FilesFailed = totals.FilesFailed,
            FilesGrowing = backlog.Growing,
            Backlog = backlog.Waiting + backlog.Ready,
            FilesInFlight = state.FilesInFlight,
            Queues = queues,
            SamplesPerSecond = latest.SamplesPerSecond,
            ReadsPerSecond = latest.ReadsPerSecond,
            LastLatencySeconds = state.LastLatency?.TotalSeconds,
            History = history.Points(),
            Storage = storage?.Space() ?? [],
            Problems = state.Problems.Snapshot(),
            SetAside = journal.Recent(FileState.Failed, 10).Select(e => new SetAsideFile(e.Path, e.Error, e.SettledAt)).ToList(),
        };
    }
}
