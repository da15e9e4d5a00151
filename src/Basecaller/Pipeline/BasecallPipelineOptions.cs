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
