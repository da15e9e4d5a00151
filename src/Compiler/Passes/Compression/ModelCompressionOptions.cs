using System.Globalization;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>What <see cref="ModelCompression"/> does to every convolution and linear layer of a model.</summary>
public sealed record ModelCompressionOptions
{
    /// <summary>
    /// Default number of calibration chunks. Every layer's H needs only d_in² numbers, and 64 chunks
    /// of 1800 samples give 38,400 frames per layer, far more rows than the widest layer's 560 inputs.
    /// </summary>
    public const int DefaultCalibrationChunks = 64;

    /// <summary>The method; <see cref="CompressionMethod.Dsf"/> factorises, the others prune.</summary>
    public required CompressionMethod Method { get; init; }

    /// <summary>Fraction of zero weights per layer (DSF: of the nonzero budget of the two factors).</summary>
    public required double Sparsity { get; init; }

    /// <summary>n:m pattern instead of unstructured sparsity (pruning methods only).</summary>
    public NmPattern? Pattern { get; init; }

    /// <summary>
    /// Match every compressed layer's per-channel output mean and spread to the dense model's on the
    /// calibration chunks (the folded form of BatchNorm re-estimation, <see cref="OutputRecalibration"/>).
    /// On by default: on the default model it keeps identity within half a point to a higher sparsity
    /// (docs/sparsity-curve.md); off reproduces plain one-shot compression.
    /// </summary>
    public bool Recalibrate { get; init; } = true;

    /// <summary>
    /// Compress each layer towards the weights that give back the dense model's output from the inputs the
    /// compressed layers before it produce (<see cref="DenseOutputFit"/>), rather than towards its own weights.
    /// On by default: one shot on the default model it took DSF at 50 % from 2.95 to 1.94 identity points below
    /// dense, ADMM at 50 % from 4.44 to 3.13 and DSF at 70 % from 15.7 to 8.9 (docs/finetune-recovery.md); off
    /// (<c>--no-dense-fit</c>) reproduces the earlier packages.
    /// </summary>
    public bool FitDenseOutput { get; init; } = true;

    /// <summary>
    /// Layers left dense: run with their trained weights, not recalibrated (that would change their weights),
    /// and recorded as "kept dense". The layers after them are still calibrated and recalibrated on what they produce.
    /// </summary>
    public DenseLayerSelection KeepDense { get; init; } = new();

    /// <summary>
    /// The order of the KSeparable pair (<c>--ksep-order</c>): DeepNano-coral's dense-first by default, or
    /// depthwise-first, which starts nearer a depthwise-separable block (<see cref="Factorization.KSeparableOrder"/>).
    /// </summary>
    public Factorization.KSeparableOrder KSeparableOrder { get; init; } = Factorization.KSeparableOrder.DenseFirst;

    /// <summary>Calibration chunks run through the model per batch.</summary>
    public int Batch { get; init; } = 8;

    /// <summary>Threads for running the model, accumulating H and compressing channel groups.</summary>
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>ADMM settings (also used for the depthwise layers and the fallback of DSF).</summary>
    public AdmmOptions? Admm { get; init; }

    /// <summary>DSF settings.</summary>
    public DsfOptions? Dsf { get; init; }

    /// <summary>The method's command-line name: magnitude, wanda, sparsegpt, admm or dsf.</summary>
    public string MethodName => NameOf(Method);

    /// <summary>Pass name for a package's provenance, e.g. "prune-admm" or "factorize-dsf".</summary>
    public string PassName => Method switch
    {
        CompressionMethod.Dsf => "factorize-dsf",
        CompressionMethod.KSeparable => Factorization.KSeparableRewrite.PassName,
        CompressionMethod.SpaceToDepth => Factorization.SpaceToDepthRewrite.PassName,
        CompressionMethod.KSeparableSpaceToDepth => $"{Factorization.KSeparableRewrite.PassName}+{Factorization.SpaceToDepthRewrite.PassName}",
        _ => $"prune-{MethodName}",
    };

    /// <summary>One line for logs and reports, e.g. "admm at 50 % sparsity" or "magnitude 2:4".</summary>
    public string Description => Method switch
    {
        CompressionMethod.KSeparable => $"ksep (depthwise-separable blocks into KSeparable form{OrderNote})",
        CompressionMethod.SpaceToDepth => "s2d (residual blocks into S2D form where the Edge TPU cost model says it pays)",
        CompressionMethod.KSeparableSpaceToDepth => $"ksep,s2d (separable blocks into KSeparable form{OrderNote}, then residual blocks into S2D form where it pays)",
        _ => DescriptionOfLayerwise,
    };

    private string OrderNote => KSeparableOrder == Factorization.KSeparableOrder.DepthwiseFirst ? ", the dilated depthwise convolution first" : "";

    /// <summary>True for the rewrites of blocks for the Edge TPU (ksep, s2d), which sparsify nothing.</summary>
    public bool RewritesBlocks => Method is CompressionMethod.KSeparable or CompressionMethod.SpaceToDepth or CompressionMethod.KSeparableSpaceToDepth;

    private string DescriptionOfLayerwise => (Pattern is { } nm
        ? $"{MethodName} {nm}"
        : string.Create(CultureInfo.InvariantCulture, $"{MethodName} at {Sparsity:P0} sparsity"))
        + (KeepDense.IsEmpty ? "" : $", keeping {string.Join(", ", KeepDense.Items)} dense");

    /// <summary>The command-line name of a method.</summary>
    public static string NameOf(CompressionMethod method) => method switch
    {
        CompressionMethod.Magnitude => "magnitude",
        CompressionMethod.Wanda => "wanda",
        CompressionMethod.SparseGpt => "sparsegpt",
        CompressionMethod.Admm => "admm",
        CompressionMethod.KSeparable => "ksep",
        CompressionMethod.SpaceToDepth => "s2d",
        CompressionMethod.KSeparableSpaceToDepth => "ksep,s2d",
        _ => "dsf",
    };
}
