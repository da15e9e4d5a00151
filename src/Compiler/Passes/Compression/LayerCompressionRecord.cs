namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// What compression did to one layer, as a package's provenance and report list it: the method that
/// was actually used (which may differ from the one asked for, with the reason in
/// <see cref="Note"/>), the sparsity reached, and how well the layer still reproduces its outputs on
/// the calibration inputs it saw (those produced by the already-compressed layers before it).
/// </summary>
public sealed record LayerCompressionRecord
{
    /// <summary>The <see cref="Method"/> of a layer left dense (<see cref="ModelCompressionOptions.KeepDense"/>).</summary>
    public const string KeptDenseMethod = "kept dense";

    /// <summary>True when the layer was left dense rather than compressed.</summary>
    public bool KeptDense => Method == KeptDenseMethod;

    /// <summary>Node name (the source module path).</summary>
    public required string Layer { get; init; }

    /// <summary>"Conv1d", "Conv1d depthwise", "Conv1d grouped" or "Linear".</summary>
    public required string Kind { get; init; }

    /// <summary>Weight shape, out × in/groups × kernel (convolutions) or out × in.</summary>
    public required string Shape { get; init; }

    /// <summary>Method used, e.g. "admm", "admm per channel", "dsf", "magnitude 2:4".</summary>
    public required string Method { get; init; }

    /// <summary>Why the method differs from the one asked for, or what was special; null when nothing was.</summary>
    public string? Note { get; init; }

    /// <summary>Weights of the original layer (biases excluded): its multiply-adds per output frame.</summary>
    public required int Weights { get; init; }

    /// <summary>
    /// Weights the deployed layer holds as dense tensors, zeros included: equal to <see cref="Weights"/>
    /// when pruned, numel(A) + numel(B) when factorised. A dense accelerator (the Edge TPU)
    /// spends this many multiply-adds per output frame.
    /// </summary>
    public required int DeployedWeights { get; init; }

    /// <summary>Nonzero weights stored (DSF: nnz(A) + nnz(B)).</summary>
    public required int Nonzeros { get; init; }

    /// <summary>Inner width of the factorisation (channels between the two layers), or null when pruned.</summary>
    public int? InnerChannels { get; init; }

    /// <summary>1 − <see cref="Nonzeros"/> / <see cref="Weights"/>.</summary>
    public double Sparsity => 1 - (double)Nonzeros / Weights;

    /// <summary>
    /// ‖WX − ŴX‖² / ‖WX‖² on the layer's calibration inputs: tr(ΔW H ΔWᵀ) / tr(W H Wᵀ), summed over channel groups,
    /// W being the weights compressed towards (the fitted ones when <see cref="FittedToDenseOutput"/>).
    /// The compression method's own error, before any recalibration, with X the inputs the compressed layers
    /// before it produce (so it says how well this layer alone was compressed).
    /// </summary>
    public required double RelativeError { get; init; }

    /// <summary>
    /// True when the layer was compressed towards the weights that give back the dense model's output from its inputs
    /// (<see cref="DenseOutputFit"/>); <see cref="RelativeError"/> is then measured against those weights.
    /// </summary>
    public bool FittedToDenseOutput { get; init; }

    /// <summary>True when the layer's output channels were matched to the dense model's mean and spread.</summary>
    public bool Recalibrated { get; init; }

    /// <summary>
    /// ‖y_dense − y‖² / ‖y_dense‖² at the layer's output on the calibration chunks, y_dense being the dense
    /// model's output there (dense inputs, dense layer; biases included, so it is not comparable with
    /// <see cref="RelativeError"/>), before recalibration: the error accumulated by this and every earlier layer. Null when not recalibrating (the dense model is then not run).
    /// </summary>
    public double? DenseErrorBeforeRecalibration { get; init; }

    /// <summary>
    /// The same error after recalibration; null when not recalibrating. For a layer kept dense (never recalibrated)
    /// the error its output has against the dense model's, from the compressed layers before it.
    /// </summary>
    public double? DenseError { get; init; }

    /// <summary>Wall time of this layer: H accumulation and compression.</summary>
    public required double Seconds { get; init; }
}
