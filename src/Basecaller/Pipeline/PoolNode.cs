using System.Threading.Channels;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// The host's stage of a pooled model, between its two networks: takes each read once the part before the pooling has
/// been stitched over the whole read (per sample, the features and the two pooling logits), pools it over the whole
/// read (<see cref="DynamicPooling"/>: the positions are a prefix sum over the read, so no chunk can be pooled alone),
/// and cuts the pooled frames into the windows of the part after the pooling (<see cref="ChunkLayout.AfterPooling"/>).
/// The read's first-pass buffer is released here; the pooled frames live until its last window is batched.
/// </summary>
public sealed class PoolNode
{
    private readonly PoolingSettings _pooling;
    private readonly ChunkLayout _layout;
    private readonly int _classes;
    private readonly PipelineCounters _counters;

    /// <summary>Creates the stage for a pooled model.</summary>
    /// <exception cref="ArgumentException">The model has no dynamic pooling.</exception>
    public PoolNode(ModelManifest manifest, PipelineCounters counters)
    {
        _pooling = manifest.Pooling ?? throw new ArgumentException($"model '{manifest.Name}' has no dynamic pooling", nameof(manifest));
        _layout = ChunkLayout.AfterPooling(manifest);
        _classes = manifest.Alphabet.Length;
        _counters = counters;
    }

    /// <summary>Pools reads and cuts their windows until the input completes, then completes the output.</summary>
    public async Task RunAsync(ChannelReader<ReadInProgress> input, ChannelWriter<Chunk> output, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var read in input.ReadAllAsync(cancellationToken))
            {
                var pooled = Pool(read);
                _counters.ChunksCut(pooled.ChunkCount);
                for (var k = 0; k < pooled.ChunkCount; k++)
                    await output.WriteAsync(new Chunk(pooled, k), cancellationToken);
            }
            output.Complete();
        }
        catch (Exception e)
        {
            output.Complete(e);
            throw;
        }
    }

    /// <summary>The read's pooled frames, as the input of the part after the pooling; releases the first pass's output.</summary>
    public ReadInProgress Pool(ReadInProgress beforePooling)
    {
        float[] frames;
        int length;
        try
        {
            frames = DynamicPooling.PoolFrames(beforePooling.LogProbs, _pooling.Features, _pooling.Scale, out length);
        }
        finally
        {
            beforePooling.ReleaseLogProbs();
        }
        return new ReadInProgress(beforePooling.Read, _layout, _classes, frames, length * _pooling.Features);
    }
}
