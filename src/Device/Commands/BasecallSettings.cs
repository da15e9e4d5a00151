namespace Dipper.Device.Commands;

/// <summary>What <c>dipperd basecall</c> was asked to do, after parsing.</summary>
public sealed record BasecallSettings
{
    /// <summary>Signal files and folders; empty for the bundled sample reads.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Output file; its name picks the format (.sam, .bam, .cram, else FASTQ, or FASTA with <see cref="EmitFasta"/>), gzip when a text format's name ends in .gz.</summary>
    public string Output { get; init; } = "calls.fastq";

    /// <summary>Add each read's move table (mv tag) to a SAM/BAM/CRAM output.</summary>
    public bool EmitMoves { get; init; }

    /// <summary>Where to write the reads' sequencing_summary.txt, or null.</summary>
    public string? SequencingSummary { get; init; }

    /// <summary>The command line, for the @PG line of a SAM/BAM/CRAM header.</summary>
    public string? CommandLine { get; init; }

    /// <summary>Model package folder; null for the bundled default model.</summary>
    public string? Model { get; init; }

    /// <summary>Engine name or "auto".</summary>
    public string Engine { get; init; } = "auto";

    /// <summary>Inference workers, one engine each.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Chunks per network call when the model allows a choice; null for <see cref="Basecaller.Inference.InferenceEngineOptions.BatchFor"/> the chunk length (32 of 1,800 samples).</summary>
    public int? Batch { get; init; }

    /// <summary>Samples per chunk, or null for the model manifest's (only a model with a dynamic input length takes another).</summary>
    public int? Chunk { get; init; }

    /// <summary>Samples shared by consecutive chunks, or null for the model manifest's.</summary>
    public int? Overlap { get; init; }

    /// <summary>
    /// For a model with dynamic pooling, the most samples of reads between its first part and the pooling at once
    /// (<see cref="Basecaller.Pipeline.BasecallPipelineOptions.PoolingBudget"/>); 0 for no bound.
    /// </summary>
    public long PoolingBudget { get; init; } = Basecaller.Pipeline.BasecallPipelineOptions.DefaultPoolingBudget;

    /// <summary>CTC beam width; greedy decoding when <see cref="Greedy"/> is set.</summary>
    public int Beam { get; init; } = 5;

    /// <summary>Greedy (best-path) decoding instead of beam search.</summary>
    public bool Greedy { get; init; }

    /// <summary>
    /// An int8 model's depthwise layers on ONNX Runtime's own kernel instead of Dipper's
    /// (<see cref="Basecaller.Inference.InferenceEngineOptions.DepthwiseKernel"/>): the same calls, slower; for comparison.
    /// </summary>
    public bool OnnxRuntimeDepthwise { get; init; }

    /// <summary>FASTA instead of FASTQ.</summary>
    public bool EmitFasta { get; init; }

    /// <summary>Call reads whose run metadata names another chemistry than the model's, instead of refusing them.</summary>
    public bool IgnoreChemistry { get; init; }

    /// <summary>Where to write the run summary (JSON), or null.</summary>
    public string? Summary { get; init; }

    /// <summary>Progress as one updating line (a terminal) rather than plain lines (a log).</summary>
    public bool InteractiveProgress { get; init; }
}
