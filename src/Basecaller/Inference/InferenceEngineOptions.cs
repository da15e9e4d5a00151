namespace Dipper.Basecaller.Inference;

/// <summary>How an engine should run, as far as the caller (not the model) decides.</summary>
public sealed record InferenceEngineOptions
{
    /// <summary>Threads one engine may use for one batch. The pipeline runs one engine per worker, so the
    /// machine's cores are usually better spent on more workers with one thread each.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Runs an int8 ONNX model's depthwise layers on Dipper's kernel (<see cref="DepthwiseConvolutionOperator"/>) where
    /// the CPU has AVX-512 BW and the engine one thread: ONNX Runtime's outputs bit for bit, the int8 model about 1.15x
    /// faster on a Zen 4 core (docs/cpu-speed.md section 14). Off runs ONNX Runtime's own kernels, for comparison.
    /// </summary>
    public bool DepthwiseKernel { get; init; } = true;

    /// <summary>Chunks per call when the model's batch dimension is dynamic (a static batch in the model wins).</summary>
    public int Batch { get; init; } = 32;

    /// <summary>
    /// Signal samples per network call when the batch is not given: 32 chunks of 1,800 samples, the batch ONNX Runtime
    /// ran the default model fastest at on the CPU (8 and 64 chunks measured slower per sample, docs/cpu-speed.md).
    /// </summary>
    public const int SamplesPerCall = 57_600;

    /// <summary>
    /// The batch for chunks of <paramref name="chunkSamples"/>: as many as fill <see cref="SamplesPerCall"/>, at least one.
    /// Longer chunks (<c>--chunk</c>) thus keep the samples per call, and with them ONNX Runtime's activations and the reads
    /// held in batches, where they were: 32 chunks of 7,200 samples took dipperd basecall from 213 MB to 478 MB.
    /// </summary>
    public static int BatchFor(int chunkSamples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSamples, 1);
        return Math.Max(1, SamplesPerCall / chunkSamples);
    }
}
