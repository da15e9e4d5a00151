using System.Security.Cryptography;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;

namespace Dipper.Compiler.Labelling;

/// <summary>What a labelling run needs besides the model.</summary>
public sealed record LabelRunSettings
{
    /// <summary>Signal files, in the order given.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Reference FASTA the reads come from.</summary>
    public required string Reference { get; init; }

    /// <summary>Which chunks to keep.</summary>
    public LabelFilter Filter { get; init; } = new();

    /// <summary>Inference workers and minimap2 threads.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>PATH searched for minimap2; the process's own when null.</summary>
    public string? SearchPath { get; init; }
}

/// <summary>
/// <c>dipper label</c>'s work: call the reads with the package on the product's pipeline (ONNX Runtime, greedy
/// decoding, which keeps the CTC path), align the calls with minimap2, cut and label chunks along the path,
/// and pack them into a <see cref="LabelSet"/>. minimap2 and the reference are checked before any read is called.
/// </summary>
public static class LabelRun
{
    /// <summary>Makes the label set; problems with single reads or files go to <paramref name="report"/> and the rest goes on.</summary>
    /// <exception cref="AlignerUnavailableException">minimap2 is not installed.</exception>
    /// <exception cref="InvalidDataException">The reference is not a FASTA file.</exception>
    /// <exception cref="EngineUnavailableException">The package has no ONNX model.</exception>
    /// <exception cref="InferenceException">The engine failed.</exception>
    public static async Task<LabelSet> RunAsync(ModelPackage package, LabelRunSettings settings, Action<string> report, CancellationToken cancellationToken)
    {
        var aligner = Minimap2Aligner.Locate(settings.SearchPath);
        var reference = ReferenceSequences.Load(settings.Reference);
        var manifest = package.Manifest;
        var labeller = new ChunkLabeller(manifest, settings.Filter);

        var calls = new CalledReadCollection();
        var factory = EngineFactory.WithBuiltInEngines();
        var engines = new List<IInferenceEngine>();
        long uncalled;
        try
        {
            for (var i = 0; i < Math.Max(1, settings.Threads); i++)
                engines.Add(factory.Create("onnx", package, new InferenceEngineOptions { Threads = 1 }));
            var pipeline = new BasecallPipeline(manifest, engines, new BasecallPipelineOptions { BeamWidth = 1 });
            await pipeline.RunAsync(settings.Files, calls, problem => report(problem.Message), cancellationToken);
            uncalled = pipeline.Counters.ReadsFailed;
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }

        // A fixed order (file, then read id) so the same reads give the same label set, whatever order the pipeline finished them in.
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < settings.Files.Count; i++) order.TryAdd(settings.Files[i], i);
        var reads = calls.Reads
            .OrderBy(r => r.Read.SourcePath is { } p && order.TryGetValue(p, out var i) ? i : int.MaxValue)
            .ThenBy(r => r.Read.ReadId, StringComparer.Ordinal)
            .ToList();

        var work = Directory.CreateTempSubdirectory("dipper-label-");
        IReadOnlyDictionary<string, ReadAlignment> alignments;
        try
        {
            alignments = await aligner.AlignAsync(settings.Reference,
                reads.Select(r => KeyValuePair.Create(r.Read.ReadId, r.Sequence.Bases)), work.FullName, settings.Threads, cancellationToken);
        }
        finally
        {
            work.Delete(recursive: true);
        }

        var dropped = Enum.GetValues<LabelDropReason>().ToDictionary(r => r, _ => 0);
        var kept = new List<LabelledChunk>();
        var total = 0;
        foreach (var read in reads)
        {
            total += labeller.ChunkCount(read.Read.SampleCount);
            kept.AddRange(labeller.Label(read.Read, read.Sequence, alignments.GetValueOrDefault(read.Read.ReadId), reference, dropped));
        }

        var modelFile = package.OnnxPath!;
        return LabelSet.From(kept, ranges => new LabelMetadata
        {
            Model = manifest.Name,
            ModelSha256 = Sha256(modelFile),
            Alphabet = manifest.Alphabet,
            ChunkSamples = manifest.Chunk.Samples,
            ChunkStep = manifest.Chunk.Samples,
            Reference = new HashedFile(Path.GetFullPath(settings.Reference), Sha256(settings.Reference)),
            Reads = settings.Files.Select(f => new HashedFile(Path.GetFullPath(f), Sha256(f))).ToList(),
            TotalChunks = total,
            KeptChunks = kept.Count,
            Dropped = dropped,
            UncalledReads = (int)uncalled,
            Filter = settings.Filter,
            ChunkReads = ranges,
        }, manifest.Chunk.Samples);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
