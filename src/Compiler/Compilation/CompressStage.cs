using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// compress, the stage <c>dipper compile</c> and <c>dipper compress</c> share: picks the chunks to
/// calibrate on, spread over all calibration chunks (so over many reads), joins the factor pairs of a model
/// compressed before (<see cref="FactorJoining"/>), runs <see cref="ModelCompression"/> on the folded graph and
/// prints a line per layer.
/// </summary>
public static class CompressStage
{
    /// <summary>Compresses <paramref name="folded"/> on up to <paramref name="count"/> of <paramref name="chunks"/>.</summary>
    public static CompressedModel Run(ModelGraph folded, IReadOnlyList<float[]> chunks, ModelCompressionOptions options, int count,
        TextWriter output, CancellationToken cancellationToken)
    {
        var picked = Spread(chunks, count);
        output.WriteLine($"compression: {options.Description} on {picked.Count} chunks, layer after layer");
        folded = FactorJoining.Apply(folded, out var joined);
        if (joined > 0) output.WriteLine($"compression: {joined} factorised layers joined back into one layer each (W = A·B) to be compressed again");
        var progress = new SynchronousProgress(record => output.WriteLine(CompressionProvenance.Line(record)));
        if (options.RewritesBlocks) return RewriteBlocks(folded, picked, options, progress, output, cancellationToken);
        var model = ModelCompression.Apply(folded, picked, options, progress, cancellationToken);
        output.WriteLine(System.FormattableString.Invariant(
            $"compression: {model.LayerNonzeros:N0} of {model.LayerWeights:N0} layer weights nonzero ({model.Sparsity:P1} sparse){CompressionProvenance.KeptText(model)} in {model.Layers.Sum(l => l.Seconds):0.0} s"));
        return model;
    }

    /// <summary>The Edge TPU rewrites: KSeparable, then S2D on its result, as the method asks.</summary>
    private static CompressedModel RewriteBlocks(ModelGraph folded, IReadOnlyList<float[]> picked, ModelCompressionOptions options,
        IProgress<LayerCompressionRecord> progress, TextWriter output, CancellationToken cancellationToken)
    {
        var records = new List<LayerCompressionRecord>();
        var graph = folded;
        if (options.Method is CompressionMethod.KSeparable or CompressionMethod.KSeparableSpaceToDepth)
        {
            var ksep = Passes.Factorization.KSeparableRewrite.Apply(graph, picked, options, progress, cancellationToken);
            output.WriteLine(System.FormattableString.Invariant(
                $"compression: {ksep.Layers.Count} separable blocks rewritten, {ksep.LayerWeights:N0} weights → {ksep.LayerDeployedWeights:N0} in {ksep.Layers.Sum(l => l.Seconds):0.0} s"));
            (graph, records) = (ksep.Graph, [.. ksep.Layers]);
        }
        if (options.Method is CompressionMethod.SpaceToDepth or CompressionMethod.KSeparableSpaceToDepth)
        {
            var s2d = Passes.Factorization.SpaceToDepthRewrite.Apply(graph, picked, options, progress, cancellationToken);
            var blocks = Passes.Factorization.ResidualBlock.All(graph).Count;
            output.WriteLine(System.FormattableString.Invariant(
                $"compression: {s2d.Layers.Count} of {blocks} residual blocks rewritten into S2D form (the others do not pay, Edge TPU estimate), {s2d.LayerWeights:N0} weights → {s2d.LayerDeployedWeights:N0} in {s2d.Layers.Sum(l => l.Seconds):0.0} s"));
            (graph, records) = (s2d.Graph, [.. records, .. s2d.Layers]);
        }
        return new CompressedModel(graph, options, records, picked.Count, folded.ParameterCount);
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
