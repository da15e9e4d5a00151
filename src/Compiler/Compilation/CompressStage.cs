using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// compress, the stage <c>dipper compile</c> and <c>dipper compress</c> share: picks the chunks to
/// calibrate on, spread over all calibration chunks (so over many reads), runs
/// <see cref="ModelCompression"/> on the folded graph and prints a line per layer.
/// </summary>
public static class CompressStage
{
    /// <summary>Compresses <paramref name="folded"/> on up to <paramref name="count"/> of <paramref name="chunks"/>.</summary>
    public static CompressedModel Run(ModelGraph folded, IReadOnlyList<float[]> chunks, ModelCompressionOptions options, int count,
        TextWriter output, CancellationToken cancellationToken)
    {
        var picked = Spread(chunks, count);
        output.WriteLine($"compression: {options.Description} on {picked.Count} chunks, layer after layer");
        var progress = new SynchronousProgress(record => output.WriteLine(CompressionProvenance.Line(record)));
        var model = options.Method == CompressionMethod.KSeparable
            ? Passes.Factorization.KSeparableRewrite.Apply(folded, picked, options, progress, cancellationToken)
            : ModelCompression.Apply(folded, picked, options, progress, cancellationToken);
        if (options.Method == CompressionMethod.KSeparable)
        {
            output.WriteLine(System.FormattableString.Invariant(
                $"compression: {model.Layers.Count} separable blocks rewritten, {model.LayerWeights:N0} weights → {model.LayerDeployedWeights:N0} in {model.Layers.Sum(l => l.Seconds):0.0} s"));
            return model;
        }
        output.WriteLine(System.FormattableString.Invariant(
            $"compression: {model.LayerNonzeros:N0} of {model.LayerWeights:N0} layer weights nonzero ({model.Sparsity:P1} sparse){CompressionProvenance.KeptText(model)} in {model.Layers.Sum(l => l.Seconds):0.0} s"));
        return model;
    }

    /// <summary><paramref name="count"/> chunks taken evenly across the list (all of them when there are fewer).</summary>
    public static IReadOnlyList<float[]> Spread(IReadOnlyList<float[]> chunks, int count)
    {
        if (chunks.Count <= count) return chunks;
        return Enumerable.Range(0, count).Select(i => chunks[(int)((long)i * chunks.Count / count)]).ToArray();
    }

    // Progress<T> posts to the thread pool and can print lines out of order or after the step ends.
    private sealed class SynchronousProgress(Action<LayerCompressionRecord> report) : IProgress<LayerCompressionRecord>
    {
        public void Report(LayerCompressionRecord value) => report(value);
    }
}
