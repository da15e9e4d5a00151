using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Publishes a run's counters and queue depths through System.Diagnostics.Metrics (meter
/// <c>Dipper.Basecaller.Pipeline</c>), so <c>dotnet-counters</c> or the appliance's telemetry can
/// see where reads pile up without the stages knowing who is listening.
/// </summary>
public sealed class PipelineMetrics : IDisposable
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "Dipper.Basecaller.Pipeline";

    private readonly Meter _meter;

    /// <summary>Creates the instruments over a run's counters.</summary>
    public PipelineMetrics(PipelineCounters counters)
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("dipper.reads.loaded", () => counters.ReadsLoaded, "{read}", "Reads delivered by the signal readers");
        _meter.CreateObservableCounter("dipper.reads.failed", () => counters.ReadsFailed, "{read}", "Reads refused by the chunker");
        _meter.CreateObservableCounter("dipper.reads.called", () => counters.ReadsCalled, "{read}", "Reads written");
        _meter.CreateObservableCounter("dipper.files.failed", () => counters.FilesFailed, "{file}", "Damaged or unreadable signal files");
        _meter.CreateObservableCounter("dipper.samples.loaded", () => counters.SamplesLoaded, "{sample}", "Raw samples read");
        _meter.CreateObservableCounter("dipper.samples.called", () => counters.SamplesCalled, "{sample}", "Raw samples of written reads");
        _meter.CreateObservableCounter("dipper.chunks", () => counters.Chunks, "{chunk}", "Chunks cut from reads");
        _meter.CreateObservableCounter("dipper.chunks.inferred", () => counters.ChunksInferred, "{chunk}", "Chunks run through the network");
        _meter.CreateObservableCounter("dipper.samples.inferred", () => counters.ChunkSamplesInferred, "{sample}",
            "Samples the network computed, overlap and padding included");
        _meter.CreateObservableCounter("dipper.batches", () => counters.Batches, "{batch}", "Network calls");
        _meter.CreateObservableCounter("dipper.bases", () => counters.Bases, "{base}", "Bases written");
        _meter.CreateObservableGauge("dipper.samples.before_pooling", () => counters.SamplesBeforePooling, "{sample}",
            "Samples of the reads of a pooled model between its first part and the pooling (bounded by the pooling budget)");
    }

    /// <summary>Publishes the number of items waiting in a stage's input queue.</summary>
    public void ObserveQueue<T>(string stage, ChannelReader<T> queue) =>
        _meter.CreateObservableGauge($"dipper.queue.{stage}", () => queue.CanCount ? queue.Count : 0, "{item}", $"Items waiting for the {stage} stage");

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
