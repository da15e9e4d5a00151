using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// A <see cref="GraphModule"/> being trained as an inference engine of the product's pipeline, so a validation can
/// call reads with the model as it is at that step (chunking, stitching and decoding exactly as the appliance does)
/// without exporting it first. The caller puts the module in evaluation mode; each call runs without gradient.
/// </summary>
public sealed class GraphModuleEngine : IInferenceEngine
{
    private readonly GraphModule _model;

    /// <summary>Runs <paramref name="model"/> on chunks of <paramref name="manifest"/>'s length, up to <paramref name="batch"/> at a time.</summary>
    public GraphModuleEngine(GraphModule model, ModelManifest manifest, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        _model = model;
        ChunkSamples = manifest.Chunk.Samples;
        FramesPerChunk = manifest.Chunk.Samples / manifest.Stride;
        Classes = manifest.Alphabet.Length;
        MaxBatch = batch;
    }

    /// <inheritdoc />
    public string Name => "libtorch";

    /// <inheritdoc />
    public int ChunkSamples { get; }

    /// <inheritdoc />
    public int FramesPerChunk { get; }

    /// <inheritdoc />
    public int Classes { get; }

    /// <inheritdoc />
    public int MaxBatch { get; }

    /// <inheritdoc />
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs)
    {
        // Gradient mode is per thread in libtorch: the pipeline calls from its own thread.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(chunks[..(chunkCount * ChunkSamples)].ToArray(), [chunkCount, 1, ChunkSamples]);
        var output = _model.forward(input).contiguous();
        if (output.shape is not [var n, var frames, var classes] || n != chunkCount || frames != FramesPerChunk || classes != Classes)
            throw new InferenceException(Name, $"the model gives [{string.Join(", ", output.shape)}] for {chunkCount} chunks, not [{chunkCount}, {FramesPerChunk}, {Classes}]");
        output.data<float>().ToArray().CopyTo(logProbs);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The module belongs to the training run.
    }
}
