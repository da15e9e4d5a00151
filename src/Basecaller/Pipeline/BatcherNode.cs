using System.Threading.Channels;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Third stage: packs chunks, from as many reads as it takes, into full batches, because the network
/// runs several times faster per chunk on a full batch than on one chunk at a time. A partial batch
/// goes out when the input ends, or when no chunk has arrived for <see cref="FlushAfter"/> (a slow
/// disk or a live run must not hold finished chunks back indefinitely). Batches come from a fixed
/// pool; when all are in use the stage waits, which is what bounds the memory held in batches. A read's last chunk computed
/// at its own length (<see cref="ChunkLayout.ShortLastChunk"/>) goes out alone in a batch of its length.
/// </summary>
public sealed class BatcherNode
{
    private readonly ChunkLayout _layout;
    private readonly ChannelReader<ChunkBatch> _freeBatches;

    /// <summary>Creates the stage drawing empty batches from <paramref name="freeBatches"/>.</summary>
    public BatcherNode(ChunkLayout layout, ChannelReader<ChunkBatch> freeBatches)
    {
        _layout = layout;
        _freeBatches = freeBatches;
    }

    /// <summary>How long a partial batch waits for more chunks.</summary>
    public TimeSpan FlushAfter { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Batches chunks until the input completes, then completes the output.</summary>
    public async Task RunAsync(ChannelReader<Chunk> input, ChannelWriter<ChunkBatch> output, CancellationToken cancellationToken)
    {
        try
        {
            ChunkBatch? batch = null;
            while (true)
            {
                if (input.TryRead(out var chunk))
                {
                    var computed = _layout.ComputedSamples(chunk.Index, chunk.Read.InputLength);
                    if (computed < _layout.Samples)
                    {
                        // A read's short last chunk goes alone, at its own length: batched with whole chunks it would be padded
                        // again. The network's cost per sample barely depends on the batch at these lengths (docs/cpu-speed.md §13).
                        var alone = await _freeBatches.ReadAsync(cancellationToken);
                        alone.Shorten(computed, computed / _layout.Stride);
                        Add(alone, chunk);
                        await output.WriteAsync(alone, cancellationToken);
                        continue;
                    }
                    batch ??= await _freeBatches.ReadAsync(cancellationToken);
                    Add(batch, chunk);
                    if (batch.Count == batch.Capacity)
                    {
                        await output.WriteAsync(batch, cancellationToken);
                        batch = null;
                    }
                    continue;
                }
                if (batch is null)
                {
                    if (!await input.WaitToReadAsync(cancellationToken)) break;
                    continue;
                }
                if (!await WaitForMoreAsync(input, cancellationToken))
                {
                    await output.WriteAsync(batch, cancellationToken);
                    batch = null;
                }
            }
            output.Complete();
        }
        catch (Exception e)
        {
            output.Complete(e);
            throw;
        }
    }

    /// <summary>True when a chunk became available within the flush delay; false on timeout or end of input.</summary>
    private async Task<bool> WaitForMoreAsync(ChannelReader<Chunk> input, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FlushAfter);
        try
        {
            return await input.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Copies a chunk's samples into the next slot, zero-padding past the read's end.</summary>
    private void Add(ChunkBatch batch, Chunk chunk)
    {
        var read = chunk.Read;
        var samples = read.InputLength;
        var real = _layout.RealSamples(chunk.Index, samples);
        var slot = batch.Signal.AsSpan(batch.Count * batch.ChunkSamples, batch.ChunkSamples);
        read.Normalised.Slice(_layout.Start(chunk.Index), real).CopyTo(slot);
        slot[real..].Clear();
        batch.Chunks[batch.Count++] = chunk;
        // Chunks of a read arrive in order: after the last, the normalised signal is no longer needed.
        if (chunk.Index == read.ChunkCount - 1) read.ReleaseNormalised();
    }
}
