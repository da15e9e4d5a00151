using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// A batch of chunks as the model's input tensor [N, 1, samples], copied from wherever the chunks are kept
/// (a list of arrays for distillation's reads, one flat array for a label set), so every objective builds its
/// input the same way.
/// </summary>
public static class ChunkTensor
{
    /// <summary>Gives the samples of chunk <paramref name="index"/>.</summary>
    public delegate ReadOnlySpan<float> Source(int index);

    /// <summary>The chunks <paramref name="indices"/> of <paramref name="chunk"/>, each <paramref name="samples"/> long, as [N, 1, samples].</summary>
    public static Tensor Signal(IReadOnlyList<int> indices, int samples, Source chunk)
    {
        var values = new float[indices.Count * samples];
        for (var i = 0; i < indices.Count; i++) chunk(indices[i]).CopyTo(values.AsSpan(i * samples, samples));
        return tensor(values, [indices.Count, 1, samples]);
    }

    /// <summary>Consecutive batches of at most <paramref name="batch"/> indices over 0..<paramref name="count"/> − 1, for validation.</summary>
    public static IEnumerable<int[]> InOrder(int count, int batch)
    {
        for (var first = 0; first < count; first += batch)
            yield return Enumerable.Range(first, Math.Min(batch, count - first)).ToArray();
    }
}
