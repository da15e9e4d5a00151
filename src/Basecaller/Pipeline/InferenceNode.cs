using System.Threading.Channels;
using Dipper.Basecaller.Inference;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Fourth stage: runs batches through the network. One worker per engine, each on its own thread
/// (inference is long, blocking, CPU- or device-bound work that should not occupy the thread pool the
/// other stages run on); the workers share one input queue, so a faster engine simply takes more batches.
/// </summary>
public sealed class InferenceNode
{
    private readonly IReadOnlyList<IInferenceEngine> _engines;
    private readonly PipelineCounters _counters;

    /// <summary>Creates the stage over engines it does not own.</summary>
    public InferenceNode(IReadOnlyList<IInferenceEngine> engines, PipelineCounters counters)
    {
        if (engines.Count == 0) throw new ArgumentException("at least one inference engine is needed", nameof(engines));
        _engines = engines;
        _counters = counters;
    }

    /// <summary>Asked before each batch is inferred; while it is closed the worker holds its batch and waits. Null: never wait.</summary>
    public IBatchGate? Gate { get; init; }

    /// <summary>Runs every worker until the input completes, then completes the output.</summary>
    public async Task RunAsync(ChannelReader<ChunkBatch> input, ChannelWriter<ChunkBatch> output, CancellationToken cancellationToken)
    {
        try
        {
            var workers = _engines.Select(engine => Task.Factory.StartNew(
                () => Work(engine, input, output, cancellationToken),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            await Task.WhenAll(workers);
            output.Complete();
        }
        catch (Exception e)
        {
            output.Complete(e);
            throw;
        }
    }

    private void Work(IInferenceEngine engine, ChannelReader<ChunkBatch> input, ChannelWriter<ChunkBatch> output, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!input.TryRead(out var batch))
            {
                if (!input.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult()) return;
                continue;
            }
            if (Gate is { } gate)
            {
                var open = gate.WaitUntilOpenAsync(cancellationToken);
                if (!open.IsCompletedSuccessfully) open.AsTask().GetAwaiter().GetResult();
            }
            var signal = batch.Signal.AsSpan(0, batch.Count * batch.ChunkSamples);
            var logProbs = batch.LogProbs.AsSpan(0, batch.Count * batch.FramesPerChunk * engine.Classes);
            engine.Infer(signal, batch.Count, batch.ChunkSamples, logProbs);
            _counters.BatchInferred(batch.Count, batch.ChunkSamples);
            var written = output.WriteAsync(batch, cancellationToken);
            if (!written.IsCompletedSuccessfully) written.AsTask().GetAwaiter().GetResult();
        }
    }
}
