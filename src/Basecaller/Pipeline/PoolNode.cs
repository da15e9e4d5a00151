using System.Threading.Channels;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// The host's stage of a pooled model, between its two networks: takes each read once the part before the pooling has
/// given all its chunks, which the first pass's stitcher pooled in read order as they came (<see cref="InOrderPooling"/>,
/// <see cref="DynamicPooling"/>'s rule: the positions are a prefix sum over the read), and cuts the pooled frames into the
/// windows of the part after the pooling (<see cref="ChunkLayout.AfterPooling"/>). The read leaves the first pass here
/// (and its samples the <see cref="BasecallPipelineOptions.PoolingBudget"/>); its pooled frames live until its last window
/// is batched.
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

    /// <summary>The budget the chunker admitted each read's samples into; null when there is none.</summary>
    internal SampleBudget? Budget { get; init; }

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

    /// <summary>
    /// The read's pooled frames, as the input of the part after the pooling, once its first part's output has been pooled
    /// (<see cref="InOrderPooling"/>); its samples leave the <see cref="Budget"/>.
    /// </summary>
    public ReadInProgress Pool(ReadInProgress beforePooling)
    {
        float[] frames;
        int length;
        try
        {
            frames = beforePooling.FinishPooling(out length);
        }
        finally
        {
            _counters.PooledRead(beforePooling.InputLength);
            Budget?.Release(beforePooling.InputLength);
        }
        return new ReadInProgress(beforePooling.Read, _layout, _classes, frames, length * _pooling.Features);
    }
}
