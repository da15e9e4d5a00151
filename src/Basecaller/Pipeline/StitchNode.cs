using System.Threading.Channels;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Fifth stage: copies each inferred chunk's kept frames into its read and hands the read on once its
/// last chunk is in. Batches may come back from the engines in any order; a read is complete when all
/// of its chunks have been stitched, whichever came last. The first part of a pooled model is not stitched but pooled
/// as its chunks come (<see cref="InOrderPooling"/>); its read goes on once its last chunk is pooled. Empty batches go
/// back to the batcher's pool.
/// </summary>
public sealed class StitchNode
{
    private readonly ChunkLayout _layout;
    private readonly ChannelWriter<ChunkBatch> _freeBatches;

    /// <summary>Creates the stage, returning used batches to <paramref name="freeBatches"/>.</summary>
    public StitchNode(ChunkLayout layout, ChannelWriter<ChunkBatch> freeBatches)
    {
        _layout = layout;
        _freeBatches = freeBatches;
    }

    /// <summary>Stitches until the input completes, then completes the output.</summary>
    public async Task RunAsync(ChannelReader<ChunkBatch> input, ChannelWriter<ReadInProgress> output, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var batch in input.ReadAllAsync(cancellationToken))
            {
                var perChunk = batch.FramesPerChunk;
                for (var i = 0; i < batch.Count; i++)
                {
                    var (read, index) = batch.Chunks[i];
                    var classes = read.Classes;
                    var chunkOutput = batch.LogProbs.AsSpan(i * perChunk * classes, perChunk * classes);
                    bool complete;
                    if (read.Pooling is { } pooling)
                    {
                        complete = pooling.Stitch(_layout, index, read.ChunkCount, read.InputLength, classes, chunkOutput);
                    }
                    else
                    {
                        Stitcher.Stitch(_layout, index, read.ChunkCount, read.InputLength, classes, chunkOutput, read.WritableLogProbs);
                        complete = read.ChunkStitched();
                    }
                    if (complete) await output.WriteAsync(read, cancellationToken);
                }
                batch.Clear();
                await _freeBatches.WriteAsync(batch, cancellationToken);
            }
            output.Complete();
        }
        catch (Exception e)
        {
            output.Complete(e);
            throw;
        }
    }
}
