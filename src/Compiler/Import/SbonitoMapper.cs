using System.Text.Json;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Graph;

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
    public const string InputName = EncoderGraph.InputName;

    /// <summary>Name of the graph output: log-probabilities [batch, frames, 5].</summary>
    public const string OutputName = EncoderGraph.OutputName;

    private const int Classes = 5;

    /// <summary>
    /// The default model's blocks, as its reference code configures them: Conv(1→80, k9, stride 3) · 5 residual
    /// blocks of 5 separable k11 convolutions · separable k11 · Conv(80→40, k7); then Linear 40→5 and log-softmax.
    /// </summary>
    public static IReadOnlyList<EncoderBlock> Blocks { get; } =
    [
        new(80, 1, 9, 3),
        new(80, 5, 11, Residual: true, Separable: true),
        new(80, 5, 11, Residual: true, Separable: true),
        new(80, 5, 11, Residual: true, Separable: true),
        new(80, 5, 11, Residual: true, Separable: true),
        new(80, 5, 11, Residual: true, Separable: true),
        new(80, 1, 11, Separable: true),
        new(40, 1, 7),
    ];

    /// <summary>Builds the graph (BatchNorms unfolded) from the checkpoint's tensors.</summary>
    /// <exception cref="CheckpointFormatException">A tensor is missing, has the wrong shape or type, or is not part of the architecture.</exception>
    public static ModelGraph ToGraph(StateDict checkpoint, string checkpointName)
    {
        var mapping = new Mapping(checkpoint, checkpointName);
        ModelGraph graph;
        try
        {
            graph = EncoderGraph.Build(ModelName, Blocks, Classes, mapping.Take);
        }
        catch (GraphException e)
        {
            throw new CheckpointFormatException($"{checkpointName}: does not fit {ModelName}: {e.Message}");
        }
        mapping.CheckAllUsed();
        return graph;
    }

    /// <summary>
    /// The default model's signal scaling (its reference pipeline's): median/MAD scaled by 1.4826, clipped at ±2.5. Also
    /// the default of a new model described in a file, whose chunks are labelled by the default model.
    /// </summary>
    public static NormalisationSettings Normalisation { get; } = new() { Method = NormalisationMethod.MedianMad, MadScale = 1.4826, Clip = 2.5 };

    /// <summary>The manifest of a package holding this model, given its engine files and provenance.</summary>
    public static ModelManifest Manifest(ModelFiles files, Dictionary<string, JsonElement> provenance) => new()
    {
        Name = ModelName,
        Alphabet = "NACGT",
        Blank = 0,
        Stride = EncoderGraph.Stride(Blocks),
        // The reference pipeline: windows of 1800 samples every 1200, 100 frames trimmed per side.
        Chunk = new ChunkSettings { Samples = 1800, Overlap = 600, Batch = null },
        Normalisation = Normalisation,
        SampleRates = [4000],
        Chemistry = "R9.4.1 DNA",
        Files = files,
        Provenance = provenance,
    };

    /// <summary>Takes the checkpoint's tensors into the graph, remembering which were used.</summary>
    private sealed class Mapping(StateDict checkpoint, string checkpointName)
    {
        private readonly HashSet<string> _used = [];

        /// <summary>Copies a float32 checkpoint tensor into the graph under its checkpoint name (its shape is checked with the graph).</summary>
        public string Take(GraphBuilder builder, string name, int[] shape)
        {
            if (!checkpoint.TryGet(name, out var tensor))
                throw new CheckpointFormatException($"{checkpointName}: has no tensor '{name}', which {ModelName} needs");
            if (tensor.DType != CheckpointDType.Float32)
                throw new CheckpointFormatException($"{checkpointName}: tensor '{name}' is {tensor.DType}, expected float32");
            builder.Weight(name, new WeightTensor(tensor.Shape, tensor.Floats.ToArray()));
            _used.Add(name);
            // A BatchNorm's num_batches_tracked only matters for training with momentum=None.
            if (name.EndsWith(".running_var", StringComparison.Ordinal)) _used.Add(name[..^".running_var".Length] + ".num_batches_tracked");
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
