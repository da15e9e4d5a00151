using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// How a read is cut into the network's fixed-length chunks and how the chunks' output frames are
/// put back together. Chunks start at 0, Step, 2·Step, … and overlap by Samples − Step; the last one
/// is zero-padded. Of each chunk's frames, half the overlap is trimmed from each inner edge, where the
/// network saw only one side of the context, so every frame of the read comes from exactly one chunk
/// and from well inside it. Taken from the model manifest, never from constants. With <see cref="ShortLastChunk"/> the
/// last chunk is not padded to a whole chunk but computed at its own length, rounded up to whole blocks of
/// <see cref="ShortChunkBlockFrames"/> frames.
/// </summary>
/// <param name="Samples">Samples per chunk.</param>
/// <param name="Step">Samples between consecutive chunk starts.</param>
/// <param name="Stride">Samples per output frame.</param>
public readonly record struct ChunkLayout(int Samples, int Step, int Stride)
{
    /// <summary>The layout a model package asks for.</summary>
    public static ChunkLayout From(ModelManifest manifest) =>
        new(manifest.Chunk.Samples, manifest.Chunk.Step, manifest.Stride);

    /// <summary>
    /// The layout of the part of a pooled model before the pooling: the manifest's chunks of signal, one output frame
    /// (features and pooling logits) per sample, half the overlap trimmed from each inner edge as for any model.
    /// </summary>
    public static ChunkLayout BeforePooling(ModelManifest manifest) =>
        new(manifest.Chunk.Samples, manifest.Chunk.Step, 1);

    /// <summary>
    /// The layout of the part of a pooled model after the pooling, over the read's pooled frames laid out frames-major
    /// ([frames, features], so a window is one contiguous run of values): windows of the manifest's pooled frames, each
    /// frame <see cref="PoolingSettings.Features"/> input values.
    /// </summary>
    public static ChunkLayout AfterPooling(ModelManifest manifest)
    {
        var pooling = manifest.Pooling ?? throw new ArgumentException($"model '{manifest.Name}' has no dynamic pooling", nameof(manifest));
        return new(pooling.Window.Samples * pooling.Features, pooling.Window.Step * pooling.Features, pooling.Features);
    }

    /// <summary>
    /// Frames a short last chunk is rounded up to a multiple of. A block keeps the network's input shapes few (at most
    /// <see cref="FramesPerChunk"/> / 64 lengths, so ONNX Runtime does not plan memory for each of hundreds of shapes),
    /// at 32 frames of padding per read on average instead of half a chunk.
    /// </summary>
    public const int ShortChunkBlockFrames = 64;

    /// <summary>
    /// Whether each read's last chunk is computed at its own length (<see cref="ComputedSamples"/>) rather than zero-padded to
    /// <see cref="Samples"/>. Only for an engine that takes shorter chunks (<see cref="Inference.IInferenceEngine.TakesShorterChunks"/>).
    /// The zero padding told the network nothing, so only the last few frames of a read, within the network's reach of its
    /// end, can change, as the network's own padding at its edge replaces the padded zeros.
    /// </summary>
    public bool ShortLastChunk { get; init; }

    /// <summary>
    /// Samples the network computes for chunk <paramref name="index"/> of a read of <paramref name="samples"/> samples:
    /// <see cref="Samples"/>, except for the last chunk with <see cref="ShortLastChunk"/>, which is its real samples rounded up to
    /// whole blocks of <see cref="ShortChunkBlockFrames"/> frames, and never more than <see cref="Samples"/>.
    /// </summary>
    public int ComputedSamples(int index, int samples)
    {
        if (!ShortLastChunk || index != ChunkCount(samples) - 1) return Samples;
        var block = ShortChunkBlockFrames * Stride;
        var real = RealSamples(index, samples);
        return Math.Min(Samples, (real + block - 1) / block * block);
    }

    /// <summary>Output frames per chunk.</summary>
    public int FramesPerChunk => Samples / Stride;

    /// <summary>Frames between consecutive chunks' first frames.</summary>
    public int FrameStep => Step / Stride;

    /// <summary>Frames trimmed from each inner edge of a chunk: half the overlap.</summary>
    public int TrimFrames => (Samples - Step) / 2 / Stride;

    /// <summary>Chunks for a read of <paramref name="samples"/> samples: max(0, ⌈(N − Samples)/Step⌉) + 1.</summary>
    public int ChunkCount(int samples) =>
        samples <= Samples ? 1 : (samples - Samples + Step - 1) / Step + 1;

    /// <summary>First sample of chunk <paramref name="index"/>.</summary>
    public int Start(int index) => index * Step;

    /// <summary>Real (not padding) samples in chunk <paramref name="index"/> of a read of <paramref name="samples"/> samples.</summary>
    public int RealSamples(int index, int samples) => Math.Min(Samples, samples - Start(index));

    /// <summary>Frames of the whole read: ⌈N / Stride⌉.</summary>
    public int ReadFrames(int samples) => (samples + Stride - 1) / Stride;

    /// <summary>
    /// The frames of chunk <paramref name="index"/> that the read keeps: [First, End) within the chunk,
    /// landing at frame <c>ReadStart</c> of the read. The first chunk keeps its leading frames, the
    /// last keeps up to its last real frame, a lone chunk keeps all its real frames.
    /// </summary>
    public KeptFrames Kept(int index, int chunkCount, int samples)
    {
        var last = index == chunkCount - 1;
        var first = index == 0 ? 0 : TrimFrames;
        var end = last
            ? (samples - Start(index) + Stride - 1) / Stride
            : FramesPerChunk - TrimFrames;
        return new KeptFrames(first, end, index * FrameStep + first);
    }
}

/// <summary>A range of a chunk's output frames and where it goes in the read.</summary>
/// <param name="First">First kept frame of the chunk.</param>
/// <param name="End">One past the last kept frame of the chunk.</param>
/// <param name="ReadStart">Frame of the read that <paramref name="First"/> becomes.</param>
public readonly record struct KeptFrames(int First, int End, int ReadStart)
{
    /// <summary>Number of frames kept.</summary>
    public int Count => End - First;
}
