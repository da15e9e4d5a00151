using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dipper.Compiler.Labelling;

/// <summary>
/// <c>labels.json</c>: what a label set was made from and what was left out, so a model trained on it can say
/// which data it saw (file hashes) and a user can see how much of their run was usable and why not.
/// </summary>
public sealed record LabelMetadata
{
    /// <summary>This format's name and version.</summary>
    public const string CurrentFormat = "dipper-labels/1";

    /// <summary>Format of the file.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Model package name that called the reads.</summary>
    public required string Model { get; init; }

    /// <summary>SHA-256 of the model file that ran (the package's ONNX model).</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The model's alphabet; reference codes index it (0, the blank, pads).</summary>
    public required string Alphabet { get; init; }

    /// <summary>Samples per chunk (the model's chunk length).</summary>
    public required int ChunkSamples { get; init; }

    /// <summary>Samples between consecutive chunks' starts: the chunk length, as chunks do not overlap.</summary>
    public required int ChunkStep { get; init; }

    /// <summary>The reference FASTA and its SHA-256.</summary>
    public required HashedFile Reference { get; init; }

    /// <summary>Signal files whose reads were labelled, with their SHA-256.</summary>
    public required IReadOnlyList<HashedFile> Reads { get; init; }

    /// <summary>Chunks cut from all called reads: kept plus every dropped count.</summary>
    public required int TotalChunks { get; init; }

    /// <summary>Chunks kept (rows of the arrays).</summary>
    public required int KeptChunks { get; init; }

    /// <summary>Chunks dropped, by reason (every reason listed, zeros included).</summary>
    public required IReadOnlyDictionary<LabelDropReason, int> Dropped { get; init; }

    /// <summary>Reads the pipeline could not call (refused or damaged), which gave no chunks.</summary>
    public int UncalledReads { get; init; }

    /// <summary>The thresholds applied.</summary>
    public required LabelFilter Filter { get; init; }

    /// <summary>Which read each row came from: consecutive rows per read.</summary>
    public required IReadOnlyList<ReadChunkRange> ChunkReads { get; init; }

    /// <summary>JSON settings: camelCase, indented, enums by name.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}

/// <summary>A file and its SHA-256 (lower-case hex).</summary>
public sealed record HashedFile(string Path, string Sha256);

/// <summary>Rows <paramref name="First"/> to <paramref name="First"/> + <paramref name="Count"/> − 1 came from read <paramref name="ReadId"/>.</summary>
public sealed record ReadChunkRange(string ReadId, int First, int Count);
