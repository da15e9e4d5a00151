using Dipper.Compiler.Graph;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>A model after <see cref="ModelCompression"/>: the new graph and a record per compressed layer, with totals.</summary>
/// <param name="Graph">The compressed graph (factorised layers as two nodes).</param>
/// <param name="Options">What was asked for.</param>
/// <param name="Layers">One record per convolution and linear layer, in graph order (kept-dense layers included).</param>
/// <param name="CalibrationChunks">Chunks the layers were calibrated on.</param>
/// <param name="OriginalParameters">Trained parameters of the model before compression (biases included).</param>
public sealed record CompressedModel(ModelGraph Graph, ModelCompressionOptions Options, IReadOnlyList<LayerCompressionRecord> Layers,
    int CalibrationChunks, long OriginalParameters)
{
    /// <summary>Parameters the compressed graph holds as dense tensors (zeros and biases included).</summary>
    public long Parameters => Graph.ParameterCount;

    /// <summary>Nonzero parameters of the compressed graph (biases included): what a sparse format would store.</summary>
    public long NonzeroParameters =>
        Graph.Nodes.SelectMany(n => n.Operation.ParameterNames).Distinct().Sum(w =>
        {
            long count = 0;
            foreach (var v in Graph.Weights[w].Values) if (v != 0) count++;
            return count;
        });

    /// <summary>Weights of the compressed layers before compression.</summary>
    public long LayerWeights => Layers.Sum(l => (long)l.Weights);

    /// <summary>Nonzero weights of the compressed layers after.</summary>
    public long LayerNonzeros => Layers.Sum(l => (long)l.Nonzeros);

    /// <summary>Dense weights (multiply-adds per frame) the compressed layers hold after.</summary>
    public long LayerDeployedWeights => Layers.Sum(l => (long)l.DeployedWeights);

    /// <summary>
    /// 1 − nonzeros / weights over every convolution and linear layer, those kept dense included: the sparsity the
    /// model really has, which is below the asked one when layers are kept dense.
    /// </summary>
    public double Sparsity => 1 - (double)LayerNonzeros / LayerWeights;

    /// <summary>Layers left dense (<see cref="ModelCompressionOptions.KeepDense"/>).</summary>
    public int KeptDenseLayers => Layers.Count(l => l.KeptDense);

    /// <summary>Weights of the layers left dense.</summary>
    public long KeptDenseWeights => Layers.Where(l => l.KeptDense).Sum(l => (long)l.Weights);

    /// <summary>1 − nonzeros / weights over the layers actually compressed (near the asked sparsity); 0 when none was.</summary>
    public double CompressedLayerSparsity
    {
        get
        {
            var compressed = Layers.Where(l => !l.KeptDense).ToArray();
            var total = compressed.Sum(l => (long)l.Weights);
            return total == 0 ? 0 : 1 - (double)compressed.Sum(l => (long)l.Nonzeros) / total;
        }
    }
}
