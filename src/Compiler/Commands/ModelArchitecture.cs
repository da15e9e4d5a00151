using System.Text.Json;
using System.Text.Json.Serialization;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Training;

namespace Dipper.Compiler.Commands;

/// <summary>
/// A new model described in a file (<c>dipper train --architecture FILE</c>): its encoder's blocks and how it must be
/// run, so that someone with reads of their own chemistry and a reference can train a model from scratch instead of
/// fine-tuning the default one. JSON, the manifest's own names for what the two share:
/// <code>
/// { "name": "my_r10_model", "chemistry": "R10.4.1 DNA", "sampleRates": [5000],
///   "chunk": { "samples": 1800, "overlap": 600 },
///   "blocks": [ { "channels": 80, "repeat": 1, "kernel": 9, "stride": 3 },
///               { "channels": 80, "repeat": 5, "kernel": 11, "residual": true, "separable": true },
///               { "channels": 40, "repeat": 1, "kernel": 7 } ] }
/// </code>
/// "alphabet" (default: the label set's), "chunk" (default: the label set's chunk length, a third of it overlapped) and
/// "normalisation" (default: median/MAD, 1.4826, clipped at 2.5, as the default model) are optional. The normalisation
/// must be the one of the model that labelled the chunks: the label set holds signal normalised by it.
/// </summary>
public sealed record ModelArchitecture
{
    /// <summary>The model's name, in its package and in FASTQ headers.</summary>
    public required string Name { get; init; }

    /// <summary>The chemistry its reads are of (reads of another chemistry are refused by it).</summary>
    public required string Chemistry { get; init; }

    /// <summary>Sample rates it is trained for, in Hz.</summary>
    public required IReadOnlyList<double> SampleRates { get; init; }

    /// <summary>The encoder's blocks, input first.</summary>
    public required IReadOnlyList<EncoderBlock> Blocks { get; init; }

    /// <summary>Classes the model scores, blank first; null: the label set's alphabet.</summary>
    public string? Alphabet { get; init; }

    /// <summary>Chunking when calling; null: the label set's chunk length, a third of it overlapped.</summary>
    public ChunkSettings? Chunk { get; init; }

    /// <summary>Signal scaling; null: the default model's.</summary>
    public NormalisationSettings? Normalisation { get; init; }

    private static readonly JsonSerializerOptions ReadOptions = new(ModelManifest.JsonOptions)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Reads and checks an architecture file.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a usable architecture; the message names the file and what is wrong.</exception>
    public static ModelArchitecture Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such architecture file", path);
        ModelArchitecture? architecture;
        try
        {
            architecture = JsonSerializer.Deserialize<ModelArchitecture>(File.ReadAllText(path), ReadOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not an architecture file: {e.Message}");
        }
        if (architecture is null) throw new InvalidDataException($"{path}: not an architecture file: it is empty");
        void Check(bool ok, string problem)
        {
            if (!ok) throw new InvalidDataException($"{path}: {problem}");
        }
        Check(!string.IsNullOrWhiteSpace(architecture.Name), "the model needs a name");
        Check(!string.IsNullOrWhiteSpace(architecture.Chemistry), "the model needs its chemistry (e.g. \"R10.4.1 DNA\"): reads of another chemistry are refused by it");
        Check(architecture.SampleRates is { Count: > 0 } rates && rates.All(r => r > 0), "sampleRates must list the sample rates (Hz) the model is for");
        Check(architecture.Blocks is { Count: > 0 } blocks && blocks.All(b => b is not null), "blocks must list at least one block, each an object");
        for (var b = 0; b < architecture.Blocks.Count; b++)
            Check(architecture.Blocks[b].Problem() is null, $"block {b}: {architecture.Blocks[b].Problem()}");
        return architecture;
    }

    /// <summary>
    /// The model to train: its graph with weights drawn from <paramref name="seed"/> (<see cref="FreshWeights"/>), its
    /// manifest, and the architecture file (name and SHA-256) as its source.
    /// </summary>
    /// <param name="path">The architecture file (for the provenance).</param>
    /// <param name="alphabet">The label set's alphabet, blank first: the model's unless the file says otherwise.</param>
    /// <param name="chunkSamples">The label set's chunk length.</param>
    /// <param name="seed">Seeds the starting weights.</param>
    /// <exception cref="InvalidDataException">The alphabet differs from the label set's, or the chunking does not fit the model's stride.</exception>
    public ModelSource Start(string path, string alphabet, int chunkSamples, int seed)
    {
        if (Alphabet is not null && Alphabet != alphabet)
            throw new InvalidDataException($"{path}: the model scores '{Alphabet}', the labels index '{alphabet}': they must be the same");
        var stride = EncoderGraph.Stride(Blocks);
        if (chunkSamples % stride != 0)
            throw new InvalidDataException($"{path}: the label set's chunks of {chunkSamples} samples are not a whole number of frames at the model's stride {stride}");
        var chunk = Chunk ?? new ChunkSettings { Samples = chunkSamples, Overlap = chunkSamples / 3 / (2 * stride) * (2 * stride) };
        if (chunk.Problem(stride) is { } problem) throw new InvalidDataException($"{path}: {problem} (the model's stride is {stride})");
        var graph = FreshWeights.Draw(EncoderGraph.Build(Name, Blocks, alphabet.Length, EncoderGraph.Zeros), seed);
        var provenance = new Dictionary<string, JsonElement>
        {
            ["source"] = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["file"] = Path.GetFileName(path),
                ["sha256"] = ModelSource.Sha256(File.ReadAllBytes(path)),
                ["architecture"] = true,
                ["seed"] = seed,
            }),
        };
        var manifest = new ModelManifest
        {
            Name = Name,
            Alphabet = alphabet,
            Blank = 0,
            Stride = stride,
            Chunk = chunk,
            Normalisation = Normalisation ?? SbonitoMapper.Normalisation,
            SampleRates = SampleRates,
            Chemistry = Chemistry,
            Files = new ModelFiles(),
            Provenance = provenance,
        };
        return new ModelSource(graph, manifest, provenance);
    }
}
