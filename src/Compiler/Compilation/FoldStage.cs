using Dipper.Compiler.Graph;
using Dipper.Compiler.Passes;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// fold: batch normalisation folded into the convolution before it, so compression, calibration and
/// quantisation see the graph the appliance runs (see <see cref="FoldBatchNorm"/>).
/// </summary>
public static class FoldStage
{
    /// <summary>The folded graph; <paramref name="graph"/> is left as it is.</summary>
    public static ModelGraph Run(ModelGraph graph) => FoldBatchNorm.Apply(graph);
}
