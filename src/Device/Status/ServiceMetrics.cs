using System.Diagnostics.Metrics;
using Dipper.Basecaller.Pipeline;
using Dipper.Device.Journal;
using Dipper.Device.Service;
using Dipper.Device.Watching;

namespace Dipper.Device.Status;

/// <summary>
/// The service's own instruments (meter <c>Dipper.Device.Service</c>), beside the pipeline's
/// (<c>Dipper.Basecaller.Pipeline</c>: reads, samples, queue depths): files and reads settled, backlog,
/// throughput, latency and each engine's health, so <c>dotnet-counters</c>, <c>/metrics</c> and the page
/// all read the same figures.
/// </summary>
public sealed class ServiceMetrics : IDisposable
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "Dipper.Device.Service";

    private readonly Meter _meter = new(MeterName);

    /// <summary>The meters <c>/metrics</c> shows: this one and the pipeline's.</summary>
    public string Meters => $"{MeterName}, {PipelineMetrics.MeterName}";

    /// <summary>Creates the instruments over the service's parts (the storage guard is optional).</summary>
    public ServiceMetrics(ServiceActivity state, SignalFolderWatcher watcher, CallJournal journal, ThroughputHistory history, StorageGuard? storage = null)
    {
        _meter.CreateObservableCounter("dipper.service.files.done", () => journal.Totals().FilesDone, "{file}", "Signal files whose calls are on disk (journal)");
        _meter.CreateObservableCounter("dipper.service.files.failed", () => journal.Totals().FilesFailed, "{file}", "Signal files set aside as damaged (journal)");
        _meter.CreateObservableCounter("dipper.service.reads.written", () => journal.Totals().Reads, "{read}", "Reads committed to FASTQ.gz (journal)");
        _meter.CreateObservableGauge("dipper.service.backlog", () =>
        {
            var backlog = watcher.Backlog();
            return new[]
            {
                new Measurement<int>(backlog.Growing, new KeyValuePair<string, object?>("state", "growing")),
                new Measurement<int>(backlog.Waiting, new KeyValuePair<string, object?>("state", "waiting")),
                new Measurement<int>(backlog.Ready, new KeyValuePair<string, object?>("state", "ready")),
                new Measurement<int>(state.FilesInFlight, new KeyValuePair<string, object?>("state", "in_flight")),
            };
        }, "{file}", "Signal files not called yet, by state");
        _meter.CreateObservableGauge("dipper.service.samples_per_second", () => history.Latest.SamplesPerSecond, "{sample}/s", "Raw samples called per second");
        _meter.CreateObservableGauge("dipper.service.reads_per_second", () => history.Latest.ReadsPerSecond, "{read}/s", "Reads written per second");
        _meter.CreateObservableGauge("dipper.service.latency", () => state.LastLatency?.TotalSeconds ?? 0, "s", "From file complete to FASTQ on disk, last file");
        _meter.CreateObservableGauge("dipper.service.engine.healthy", () =>
            (state.Engines?.Members() ?? []).Select(m => new Measurement<int>(m.Healthy ? 1 : 0, new KeyValuePair<string, object?>("engine", m.Name))),
            null, "1 when the engine is in service");
        _meter.CreateObservableGauge("dipper.service.phase", () =>
            Enum.GetValues<ServicePhase>().Select(p => new Measurement<int>(state.Phase == p ? 1 : 0, new KeyValuePair<string, object?>("phase", p.ToString().ToLowerInvariant()))),
            null, "1 for the phase the service is in");
        _meter.CreateObservableGauge("dipper.service.storage.available", () =>
            (storage?.Space() ?? []).Where(f => f.AvailableBytes is not null)
                .Select(f => new Measurement<long>(f.AvailableBytes!.Value, new KeyValuePair<string, object?>("folder", f.Role))),
            "By", "Free space of the output and state folders' file systems");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
