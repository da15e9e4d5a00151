using System.Text.Json;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Labelling;

/// <summary>
/// Training chunks with their reference labels, as a folder bonito's training reads too: <c>chunks.npy</c>
/// (float32 [N, chunk samples]), <c>references.npy</c> (uint8 [N, longest label], class codes padded with 0,
/// the CTC blank), <c>reference_lengths.npy</c> (int32 [N]) and <c>labels.json</c> (<see cref="LabelMetadata"/>).
/// Written atomically: the folder appears whole or not at all.
/// </summary>
/// <param name="Chunks">Row-major [N, ChunkSamples] normalised signal.</param>
/// <param name="References">Row-major [N, MaxLength] reference codes, 0-padded.</param>
/// <param name="Lengths">Each row's label length.</param>
/// <param name="Metadata">Provenance and counts.</param>
public sealed record LabelSet(float[] Chunks, byte[] References, int[] Lengths, LabelMetadata Metadata)
{
    /// <summary>File names in the folder.</summary>
    public const string ChunksFile = "chunks.npy", ReferencesFile = "references.npy", LengthsFile = "reference_lengths.npy", MetadataFile = "labels.json";

    /// <summary>Rows.</summary>
    public int Count => Lengths.Length;

    /// <summary>Width of <see cref="References"/>: the longest label.</summary>
    public int MaxLength => Count == 0 ? 0 : References.Length / Count;

    /// <summary>Label of row <paramref name="row"/> without padding.</summary>
    public ReadOnlySpan<byte> Reference(int row) => References.AsSpan(row * MaxLength, Lengths[row]);

    /// <summary>Signal of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Chunk(int row) => Chunks.AsSpan(row * Metadata.ChunkSamples, Metadata.ChunkSamples);

    /// <summary>Packs labelled chunks (in order) into arrays.</summary>
    public static LabelSet From(IReadOnlyList<LabelledChunk> chunks, Func<IReadOnlyList<ReadChunkRange>, LabelMetadata> metadata, int chunkSamples)
    {
        var maxLength = chunks.Count == 0 ? 0 : chunks.Max(c => c.Reference.Length);
        var signal = new float[chunks.Count * chunkSamples];
        var references = new byte[chunks.Count * maxLength];
        var lengths = new int[chunks.Count];
        var ranges = new List<ReadChunkRange>();
        for (var i = 0; i < chunks.Count; i++)
        {
            chunks[i].Signal.CopyTo(signal.AsSpan(i * chunkSamples, chunkSamples));
            chunks[i].Reference.CopyTo(references.AsSpan(i * maxLength));
            lengths[i] = chunks[i].Reference.Length;
            if (ranges.Count > 0 && ranges[^1].ReadId == chunks[i].ReadId) ranges[^1] = ranges[^1] with { Count = ranges[^1].Count + 1 };
            else ranges.Add(new ReadChunkRange(chunks[i].ReadId, i, 1));
        }
        return new LabelSet(signal, references, lengths, metadata(ranges));
    }

    /// <summary>
    /// Writes the folder <paramref name="folder"/>, which must not exist: everything goes to a staging folder
    /// beside it, which is renamed into place once complete, and removed if anything fails.
    /// </summary>
    /// <exception cref="IOException">The folder exists or cannot be written.</exception>
    public void Write(string folder)
    {
        var target = Path.GetFullPath(folder);
        if (Directory.Exists(target) || File.Exists(target)) throw new IOException($"{folder} already exists: choose another output or remove it");
        var stage = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(stage);
        try
        {
            NpyWriter.WriteArray<float>(Path.Combine(stage, ChunksFile), Chunks, [Count, Metadata.ChunkSamples]);
            NpyWriter.WriteArray<byte>(Path.Combine(stage, ReferencesFile), References, [Count, MaxLength]);
            NpyWriter.WriteArray<int>(Path.Combine(stage, LengthsFile), Lengths, [Count]);
            File.WriteAllText(Path.Combine(stage, MetadataFile), JsonSerializer.Serialize(Metadata, LabelMetadata.JsonOptions) + "\n");
            Directory.Move(stage, target);
        }
        catch
        {
            Directory.Delete(stage, recursive: true);
            throw;
        }
    }

    /// <summary>Reads a label folder and checks that its arrays agree with each other and with its metadata.</summary>
    /// <exception cref="InvalidDataException">The folder or a file is missing, a file is malformed, or the arrays disagree.</exception>
    public static LabelSet Read(string folder)
    {
        if (!Directory.Exists(folder)) throw new InvalidDataException($"{folder}: no such label folder (dipper label makes one)");
        try
        {
            var metadata = JsonSerializer.Deserialize<LabelMetadata>(File.ReadAllText(Path.Combine(folder, MetadataFile)), LabelMetadata.JsonOptions)
                ?? throw new InvalidDataException($"{folder}: {MetadataFile} is empty");
            if (metadata.Format != LabelMetadata.CurrentFormat)
                throw new InvalidDataException($"{folder}: label format '{metadata.Format}' is not {LabelMetadata.CurrentFormat}");
            var chunks = NpyReader.ReadArray<float>(Path.Combine(folder, ChunksFile), out var chunkShape);
            var references = NpyReader.ReadArray<byte>(Path.Combine(folder, ReferencesFile), out var referenceShape);
            var lengths = NpyReader.ReadArray<int>(Path.Combine(folder, LengthsFile), out var lengthShape);
            var n = metadata.KeptChunks;
            if (chunkShape is not [var cn, var cs] || cn != n || cs != metadata.ChunkSamples
                || referenceShape is not [var rn, var width] || rn != n
                || lengthShape is not [var ln] || ln != n)
                throw new InvalidDataException(
                    $"{folder}: array shapes ({string.Join(",", chunkShape)}), ({string.Join(",", referenceShape)}), ({string.Join(",", lengthShape)}) " +
                    $"do not fit {n} chunks of {metadata.ChunkSamples} samples");
            if (lengths.Any(l => l < 0 || l > width))
                throw new InvalidDataException($"{folder}: a reference length is outside 0..{width}");
            return new LabelSet(chunks, references, lengths, metadata);
        }
        catch (Exception e) when (e is NpyFormatException or JsonException or FileNotFoundException or EndOfStreamException)
        {
            throw new InvalidDataException($"{folder}: not a readable label set: {e.Message}", e);
        }
    }
}
