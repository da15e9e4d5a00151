namespace Dipper.Bench.Int8Kernels;

/// <summary>One layer of a chain: reads <paramref name="input"/>, writes <paramref name="output"/> (one chunk's frames).</summary>
internal delegate void LayerPass<T>(int layer, ReadOnlySpan<T> input, Span<T> output);

/// <summary>
/// How every kernel of the bench is timed: a chain of layers run chunk by chunk, as an engine would run a batch, each
/// chunk's activations (48 KB as bytes, 192 KB as floats) passed back and forth between two buffers, so they stay in
/// the core's cache as they would inside the model.
/// </summary>
internal static class LayerChain
{
    /// <summary>Runs <paramref name="layers"/> layers over <paramref name="chunks"/> chunks of <paramref name="chunkLength"/> values.</summary>
    public static void Run<T>(T[] ping, T[] pong, int chunks, int chunkLength, int layers, LayerPass<T> pass)
    {
        for (var c = 0; c < chunks; c++)
        {
            var a = ping.AsSpan(c * chunkLength, chunkLength);
            var b = pong.AsSpan(c * chunkLength, chunkLength);
            for (var l = 0; l < layers; l++)
            {
                if (l % 2 == 0) pass(l, a, b);
                else pass(l, b, a);
            }
        }
    }
}
