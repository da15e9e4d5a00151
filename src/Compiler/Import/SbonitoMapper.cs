using System.Text.Json;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Import;

/// <summary>
/// Maps the state_dict of the default model, sbonito_80_bb_swish (fmfi-compbio/osprey: an
/// 80-channel Bonito/QuartzNet CTC base caller for R9.4.1 DNA), onto a <see cref="ModelGraph"/>,
/// layer for layer as the reference PyTorch code builds it, and says how the model must be run
/// (alphabet, chunking, scaling) for its package manifest.
/// </summary>
public static class SbonitoMapper
{
    /// <summary>Model name in packages and FASTQ headers.</summary>
    public const string ModelName = "sbonito_80_bb_swish";

    /// <summary>Name of the graph input: normalised signal [batch, 1, samples].</summary>
    public const string InputName = "signal";

    /// <summary>Name of the graph output: log-probabilities [batch, frames, 5].</summary>
    public const string OutputName = "logprobs";

    private const double BatchNormEpsilon = 1e-3;
    private const int Classes = 5;

    /// <summary>One encoder block as the reference code configures it.</summary>
    private sealed record BlockConfig(int OutChannels, int Repeat, int Kernel, int Stride, bool Residual, bool Separable);

    // Conv(1→80, k9, stride 3) · 5 residual blocks of 5 separable k11 convolutions ·
    // separable k11 · Conv(80→40, k7); then Linear 40→5 and log-softmax.
    private static readonly BlockConfig[] Blocks =
    [
        new(80, 1, 9, 3, false, false),
        new(80, 5, 11, 1, true, true),
        new(80, 5, 11, 1, true, true),
        new(80, 5, 11, 1, true, true),
        new(80, 5, 11, 1, true, true),
        new(80, 5, 11, 1, true, true),
        new(80, 1, 11, 1, false, true),
        new(40, 1, 7, 1, false, false),
    ];

    /// <summary>Builds the graph (BatchNorms unfolded) from the checkpoint's tensors.</summary>
    /// <exception cref="CheckpointFormatException">A tensor is missing, has the wrong shape or type, or is not part of the architecture.</exception>
    public static ModelGraph ToGraph(StateDict checkpoint, string checkpointName)
    {
        var mapping = new Mapping(checkpoint, checkpointName);
        var builder = mapping.Builder;
        var x = builder.Input(InputName, new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        var channels = 1;
        for (var b = 0; b < Blocks.Length; b++)
        {
            x = mapping.Block($"e.encoder.{b}", channels, Blocks[b], x);
            channels = Blocks[b].OutChannels;
        }
        x = builder.Add("permute", new Transpose { Permutation = [0, 2, 1] }, x);
        x = builder.Add("out", new Linear
        {
            InFeatures = channels,
            OutFeatures = Classes,
            Weight = mapping.Take("out.weight"),
            Bias = mapping.Take("out.bias"),
        }, x);
        builder.Add(OutputName, new LogSoftmax { Axis = -1 }, x);
        mapping.CheckAllUsed();
        try
        {
            return builder.Build(new GraphValue(OutputName, new TensorShape(Dim.Named("batch"), Dim.Named("frames"), Classes)));
        }
        catch (GraphException e)
        {
            throw new CheckpointFormatException($"{checkpointName}: does not fit {ModelName}: {e.Message}");
        }
    }

    /// <summary>The manifest of a package holding this model, given its engine files and provenance.</summary>
    public static ModelManifest Manifest(ModelFiles files, Dictionary<string, JsonElement> provenance) => new()
    {
        Name = ModelName,
        Alphabet = "NACGT",
        Blank = 0,
        Stride = 3,
        // The reference pipeline: windows of 1800 samples every 1200, 100 frames trimmed per side.
        Chunk = new ChunkSettings { Samples = 1800, Overlap = 600, Batch = null },
        Normalisation = new NormalisationSettings { Method = NormalisationMethod.MedianMad, MadScale = 1.4826, Clip = 2.5 },
        SampleRates = [4000],
        Chemistry = "R9.4.1 DNA",
        Files = files,
        Provenance = provenance,
    };

    /// <summary>Turns checkpoint tensors into graph nodes, remembering which tensors were used.</summary>
    private sealed class Mapping(StateDict checkpoint, string checkpointName)
    {
        private readonly HashSet<string> _used = [];

        public GraphBuilder Builder { get; } = new(ModelName);

        /// <summary>
        /// Block: repeats of conv + BN with swish between them; a 1×1 conv + BN residual branch
        /// added before the final swish. Module indices follow the reference's ModuleList
        /// (conv, BN, swish, identity per repeat).
        /// </summary>
        public string Block(string prefix, int inChannels, BlockConfig config, string input)
        {
            var y = input;
            var channels = inChannels;
            for (var r = 0; r < config.Repeat; r++)
            {
                var index = 4 * r;
                y = Convolution($"{prefix}.conv.{index}", channels, config.OutChannels, config.Kernel, config.Stride,
                    config.Kernel / 2, config.Separable, y);
                y = BatchNorm($"{prefix}.conv.{index + 1}", config.OutChannels, y);
                if (r < config.Repeat - 1)
                    y = Builder.Add($"{prefix}.conv.{index + 2}", new Swish(), y);
                channels = config.OutChannels;
            }
            if (config.Residual)
            {
                var residual = Convolution($"{prefix}.residual.0", inChannels, config.OutChannels, 1, 1, 0, false, input);
                residual = BatchNorm($"{prefix}.residual.1", config.OutChannels, residual);
                y = Builder.Add($"{prefix}.add", new Add(), y, residual);
            }
            return Builder.Add($"{prefix}.act", new Swish(), y);
        }

        private string Convolution(string prefix, int inChannels, int outChannels, int kernel, int stride, int padding,
            bool separable, string input)
        {
            if (!separable)
            {
                return Builder.Add($"{prefix}.conv", new Conv1d
                {
                    InChannels = inChannels, OutChannels = outChannels, KernelSize = kernel,
                    Stride = stride, Padding = padding, Weight = Take($"{prefix}.conv.weight"),
                }, input);
            }
            var depthwise = Builder.Add($"{prefix}.depthwise", new Conv1d
            {
                InChannels = inChannels, OutChannels = inChannels, KernelSize = kernel,
                Stride = stride, Padding = padding, Groups = inChannels, Weight = Take($"{prefix}.depthwise.weight"),
            }, input);
            return Builder.Add($"{prefix}.pointwise", new Conv1d
            {
                InChannels = inChannels, OutChannels = outChannels, KernelSize = 1, Weight = Take($"{prefix}.pointwise.weight"),
            }, depthwise);
        }

        private string BatchNorm(string prefix, int channels, string input)
        {
            // num_batches_tracked only matters for training with momentum=None.
            _used.Add($"{prefix}.num_batches_tracked");
            return Builder.Add(prefix, new BatchNorm1d
            {
                Channels = channels,
                Epsilon = BatchNormEpsilon,
                Scale = Take($"{prefix}.weight"),
                Shift = Take($"{prefix}.bias"),
                RunningMean = Take($"{prefix}.running_mean"),
                RunningVariance = Take($"{prefix}.running_var"),
            }, input);
        }

        /// <summary>Copies a float32 checkpoint tensor into the graph under its checkpoint name.</summary>
        public string Take(string name)
        {
            if (!checkpoint.TryGet(name, out var tensor))
                throw new CheckpointFormatException($"{checkpointName}: has no tensor '{name}', which {ModelName} needs");
            if (tensor.DType != CheckpointDType.Float32)
                throw new CheckpointFormatException($"{checkpointName}: tensor '{name}' is {tensor.DType}, expected float32");
            Builder.Weight(name, new WeightTensor(tensor.Shape, tensor.Floats.ToArray()));
            _used.Add(name);
            return name;
        }

        public void CheckAllUsed()
        {
            var extra = checkpoint.Names.Where(n => !_used.Contains(n)).ToList();
            if (extra.Count > 0)
                throw new CheckpointFormatException(
                    $"{checkpointName}: {extra.Count} tensors are not part of {ModelName} (first: '{extra[0]}'); is this another architecture?");
        }
    }
}
