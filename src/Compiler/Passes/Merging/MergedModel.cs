using Dipper.Compiler.Graph;

namespace Dipper.Compiler.Passes.Merging;

/// <summary>What a merge made and how: the merged graph, the channels kept of every set and every refitted layer's error.</summary>
/// <param name="Graph">The merged network: A's architecture and width, BatchNorm folded.</param>
/// <param name="Choices">The channels kept of each doubled set, in graph order.</param>
/// <param name="Refits">Each refitted layer's relative error against the doubled network, with the sliced weights and after the refit.</param>
/// <param name="CalibrationChunks">Chunks the selection and refit saw.</param>
public sealed record MergedModel(ModelGraph Graph, IReadOnlyList<ChannelChoice> Choices, IReadOnlyList<LayerRefit> Refits, int CalibrationChunks);

/// <summary>One refitted layer of a merge.</summary>
/// <param name="Layer">The node's name.</param>
/// <param name="Features">Inputs per output (kept input channels × kernel, plus the bias).</param>
/// <param name="SlicedError">‖Y − XW‖²/‖Y‖² with the doubled layer's weights cut to the kept channels.</param>
/// <param name="RefitError">The same after the least-squares refit.</param>
public sealed record LayerRefit(string Layer, int Features, double SlicedError, double RefitError);
