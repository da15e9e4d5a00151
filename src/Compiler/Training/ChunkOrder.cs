namespace Dipper.Compiler.Training;

/// <summary>
/// The order chunks are trained in: each epoch a fresh shuffle seeded by the run's seed and the epoch (never by anything that differs between processes), so the chunks
/// of step s follow from s alone and a resumed run draws exactly what the killed run would have drawn next.
/// </summary>
public sealed class ChunkOrder(int chunks, int seed)
{
    private readonly Dictionary<int, int[]> _epochs = [];

    /// <summary>The chunk indices of step <paramref name="step"/> (counted from 0), <paramref name="batch"/> of them.</summary>
    public int[] Step(int step, int batch)
    {
        var indices = new int[batch];
        for (var i = 0; i < batch; i++)
        {
            var position = (long)step * batch + i;
            indices[i] = Epoch((int)(position / chunks))[(int)(position % chunks)];
        }
        return indices;
    }

    private int[] Epoch(int epoch)
    {
        if (_epochs.TryGetValue(epoch, out var order)) return order;
        order = Enumerable.Range(0, chunks).ToArray();
        new Random(unchecked(seed * 1_000_003 + epoch) & int.MaxValue).Shuffle(order);
        if (_epochs.Count > 2) _epochs.Clear();
        _epochs[epoch] = order;
        return order;
    }
}
