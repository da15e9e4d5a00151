namespace Dipper.Basecaller.Pipeline;

/// <summary>Settings of a base-calling run that are not part of the model.</summary>
public sealed record BasecallPipelineOptions
{
    /// <summary>Prefixes kept by the CTC beam search; 1 or less means greedy decoding.</summary>
    public int BeamWidth { get; init; } = 5;

    /// <summary>Decoding threads (each with its own decoder).</summary>
    public int DecodeWorkers { get; init; } = 1;

    /// <summary>Reads waiting between the reader and the chunker.</summary>
    public int ReadQueue { get; init; } = 2;

    /// <summary>Stitched or called reads waiting for the decoder and for the writer.</summary>
    public int CalledQueue { get; init; } = 4;

    /// <summary>Batches in circulation per engine (one computing, one being filled or stitched).</summary>
    public int BatchesPerEngine { get; init; } = 2;

    /// <summary>
    /// For a model with dynamic pooling: the most samples of reads between the part before the pooling and the pooling at
    /// once (<see cref="PipelineCounters.SamplesBeforePooling"/>). A read waits before its first chunk is cut until it fits;
    /// a read longer than the budget runs alone. Each such read holds its signal (4 bytes a sample) and its pooled frames
    /// so far (features × 4 bytes per pooled frame, about 107 bytes a sample for 80 features pooled by 3). Null: no bound
    /// beyond the queues'. Ignored for a model without pooling. Hosts default to <see cref="DefaultPoolingBudget"/>.
    /// </summary>
    public long? PoolingBudget { get; init; }

    /// <summary>
    /// The <see cref="PoolingBudget"/> <c>dipperd basecall</c> and the appliance service use unless told otherwise: 50 s of signal at
    /// 4 kHz, about 4 of the 80 E. coli reads, about 22 MB of pooled frames. On those reads (2 threads) it took peak memory
    /// from about 340 MB unbounded to about 320 MB, as fast (docs/dynamic-pooling.md); a longer read runs alone.
    /// </summary>
    public const long DefaultPoolingBudget = 200_000;

    /// <summary>
    /// Compute each read's last chunk at its own length rather than zero-padded to a whole chunk
    /// (<see cref="ChunkLayout.ShortLastChunk"/>), when every engine takes shorter chunks (ONNX Runtime on a model whose
    /// time axis is dynamic). On by default: the padding is work that tells the network nothing, 0.04 of the 1.10 samples
    /// the network computes per read sample at 5,400/300 on the E. coli reads (docs/cpu-speed.md §13). Off to pad as fixed-shape
    /// engines must; a model with dynamic pooling always pads.
    /// </summary>
    public bool ShortLastChunks { get; init; } = true;

    /// <summary>How long a partial batch waits for more chunks before it is sent.</summary>
    public TimeSpan BatchFlushAfter { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Call reads whose run metadata names another chemistry than the model's (by default they are refused,
    /// since an R9.4.1 model turns R10.4.1 or RNA signal into plausible-looking nonsense).
    /// </summary>
    public bool IgnoreChemistry { get; init; }

    /// <summary>Asked before every batch goes to an engine (e.g. the appliance's thermal pause); null to never wait.</summary>
    public IBatchGate? BatchGate { get; init; }
}
