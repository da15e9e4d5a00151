using Dipper.Basecaller.Inference;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Quantisation;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Native;

namespace Dipper.Compiler.Verification;

/// <summary>
/// The managed <see cref="Int8Reference"/> behind the engine interface, so verification can run it on whole reads
/// exactly as it runs the TFLite engine: the signal quantised and the output dequantised as TFLite's engine does
/// (<see cref="TensorQuantization"/>, the host log-softmax for a graph that ends at class scores), a short batch
/// padded with flat signal. With <see cref="TieRounding.TruncatedHighMultiplyUpward"/> it rounds as TFLite's arm64
/// kernels do, which is how <c>dipper compile</c> checks the appliance's CPU without an arm64 runtime.
/// Slow (plain loops): one call takes up to <see cref="MaxBatch"/> chunks, the graph's batch once per thread,
/// and runs those batches in parallel.
/// </summary>
public sealed class Int8ReferenceEngine : IInferenceEngine
{
    private readonly LoweredGraph _graph;
    private readonly Int8Reference _reference;
    private readonly int _threads;
    private readonly TfLiteQuantizationParams _input;
    private readonly TfLiteQuantizationParams _output;

    /// <summary>Prepares to run <paramref name="int8"/> with CONV_2D requantised as <paramref name="convolutionTies"/> says.</summary>
    /// <param name="name">Names the engine in logs ("int8 reference (arm64)").</param>
    /// <param name="int8">A fully int8 lowered graph.</param>
    /// <param name="convolutionTies">The CONV_2D requantisation of the runtime to reproduce.</param>
    /// <param name="threads">Graph batches run at once.</param>
    /// <exception cref="Graph.GraphException">The graph is not fully int8.</exception>
    public Int8ReferenceEngine(string name, LoweredGraph int8, TieRounding convolutionTies, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        _graph = int8;
        _reference = new Int8Reference(int8, convolutionTies);
        _threads = threads;
        Name = name;
        var input = int8.InputTensor.Quantisation!.Parameters;
        var output = int8.OutputTensor.Quantisation!.Parameters;
        _input = new TfLiteQuantizationParams(input.Scale, input.ZeroPoint);
        _output = new TfLiteQuantizationParams(output.Scale, output.ZeroPoint);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int ChunkSamples => _graph.Samples;

    /// <inheritdoc />
    public int FramesPerChunk => _graph.OutputTensor.Shape[^2];

    /// <inheritdoc />
    public int Classes => _graph.OutputTensor.Shape[^1];

    /// <inheritdoc />
    public int MaxBatch => _graph.Batch * _threads;

    /// <inheritdoc />
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkCount, MaxBatch);
        var frameValues = FramesPerChunk * Classes;
        if (chunks.Length < chunkCount * ChunkSamples || logProbs.Length < chunkCount * frameValues)
            throw new ArgumentException($"{chunkCount} chunks need {chunkCount * ChunkSamples} samples and room for {chunkCount * frameValues} values");
        var batch = _graph.Batch;
        var groups = (chunkCount + batch - 1) / batch;
        // Each group is one run of the graph: its input padded with flat signal (0 before quantising), as TFLite's engine pads.
        var inputs = new sbyte[groups][];
        for (var g = 0; g < groups; g++)
        {
            var real = new float[batch * ChunkSamples];
            var count = Math.Min(batch, chunkCount - g * batch);
            chunks.Slice(g * batch * ChunkSamples, count * ChunkSamples).CopyTo(real);
            inputs[g] = new sbyte[real.Length];
            TensorQuantization.Quantize(real, inputs[g], _input);
        }
        var outputs = new sbyte[groups][];
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = _threads }, g => outputs[g] = _reference.Run(inputs[g]));
        for (var g = 0; g < groups; g++)
        {
            var count = Math.Min(batch, chunkCount - g * batch);
            var values = logProbs.Slice(g * batch * frameValues, count * frameValues);
            TensorQuantization.Dequantize(outputs[g].AsSpan(0, count * frameValues), values, _output);
            if (_graph.OutputIsLogits) FrameLogSoftmax.Apply(values, Classes);
        }
    }

    /// <summary>Nothing native to release.</summary>
    public void Dispose()
    {
    }
}
