using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Compiler.Labelling;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Labelling;

/// <summary>The ten E. coli reads labelled once with the committed package against their reference region.</summary>
public sealed class LabelledReads
{
    public LabelledReads()
    {
        Package = ModelPackage.Load(TestData.PackageFolder);
        Files = SignalFile.Find([TestData.Reads]).ToList();
        Labels = LabelRun.RunAsync(Package, new LabelRunSettings { Files = Files, Reference = TestData.ReadsReference, Threads = 2 },
            message => Problems.Add(message), CancellationToken.None).GetAwaiter().GetResult();
    }

    public ModelPackage Package { get; }

    public List<string> Files { get; }

    public LabelSet Labels { get; }

    public List<string> Problems { get; } = [];
}

public class LabelRunTests(LabelledReads run, ITestOutputHelper log) : IClassFixture<LabelledReads>
{
    [Fact]
    public void Every_kept_chunks_label_is_a_stretch_of_the_reference_or_of_its_reverse_complement_and_both_strands_occur()
    {
        var records = ReferenceRecords();
        var labels = run.Labels;
        Assert.Empty(run.Problems);
        Assert.True(labels.Count >= 100, $"only {labels.Count} chunks kept");
        int forward = 0, reverse = 0;
        for (var row = 0; row < labels.Count; row++)
        {
            var code = labels.Reference(row);
            Assert.True(code.Length >= labels.Metadata.Filter.MinBases * labels.Metadata.Filter.MinLengthRatio);
            var bases = string.Concat(code.ToArray().Select(c => "NACGT"[c]));
            Assert.DoesNotContain('N', bases);
            if (records.Any(r => r.Contains(bases, StringComparison.Ordinal))) forward++;
            else if (records.Any(r => ReverseComplement(r).Contains(bases, StringComparison.Ordinal))) reverse++;
            else Assert.Fail($"row {row} ({labels.Metadata.ChunkReads.First(r => row >= r.First && row < r.First + r.Count).ReadId}): label is on neither strand of the reference");
            // Padding is the blank.
            Assert.All(labels.References.AsSpan(row * labels.MaxLength + code.Length, labels.MaxLength - code.Length).ToArray(), b => Assert.Equal(0, b));
        }
        log.WriteLine($"{labels.Count} chunks: {forward} on the forward strand, {reverse} on the reverse");
        Assert.True(forward > 0 && reverse > 0);
    }

    [Fact]
    public async Task Kept_and_dropped_chunks_add_up_to_every_full_chunk_of_every_read()
    {
        var samples = run.Package.Manifest.Chunk.Samples;
        var everyChunk = 0;
        foreach (var file in run.Files)
        {
            await using var reader = SignalFile.Open(file);
            await foreach (var read in reader.ReadAllAsync()) everyChunk += read.SampleCount / samples;
        }
        var m = run.Labels.Metadata;
        log.WriteLine($"{m.TotalChunks} chunks, kept {m.KeptChunks}, dropped {string.Join(", ", m.Dropped)}");
        Assert.Equal(everyChunk, m.TotalChunks);
        Assert.Equal(m.TotalChunks, m.KeptChunks + m.Dropped.Values.Sum());
        Assert.Equal(Enum.GetValues<LabelDropReason>().Length, m.Dropped.Count);
        Assert.Equal(run.Labels.Count, m.KeptChunks);
        Assert.Equal(m.KeptChunks, m.ChunkReads.Sum(r => r.Count));
        Assert.True(m.Dropped.Values.Sum() > 0, "real reads have clipped ends, so some chunks must be dropped");
    }

    [Fact]
    public async Task Each_chunk_is_its_reads_normalised_signal_at_its_place()
    {
        var manifest = run.Package.Manifest;
        var normaliser = new Normaliser(manifest.Normalisation);
        var reads = new Dictionary<string, Read>();
        foreach (var file in run.Files)
        {
            await using var reader = SignalFile.Open(file);
            await foreach (var read in reader.ReadAllAsync()) reads[read.ReadId] = read;
        }
        foreach (var range in run.Labels.Metadata.ChunkReads)
        {
            var read = reads[range.ReadId];
            var normalised = new float[read.SampleCount];
            normaliser.Normalise(read.Signal, normalised);
            var matches = 0;
            // Chunks are back to back from sample 0, so each kept row equals one of the read's chunk windows, in order.
            var next = 0;
            for (var row = range.First; row < range.First + range.Count; row++)
            {
                var chunk = run.Labels.Chunk(row).ToArray();
                while (next + manifest.Chunk.Samples <= read.SampleCount && !normalised.AsSpan(next, manifest.Chunk.Samples).SequenceEqual(chunk))
                    next += manifest.Chunk.Samples;
                Assert.True(next + manifest.Chunk.Samples <= read.SampleCount, $"row {row} is no chunk of read {range.ReadId}");
                matches++;
                next += manifest.Chunk.Samples;
            }
            Assert.Equal(range.Count, matches);
        }
    }

    [Fact]
    public void Written_label_folder_reads_back_identically_and_names_the_model_and_the_reads_by_hash()
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("dipper-labels-").FullName, "labels");
        try
        {
            run.Labels.Write(folder);

            Assert.Equal(["chunks.npy", "labels.json", "reference_lengths.npy", "references.npy"],
                Directory.GetFileSystemEntries(Path.GetDirectoryName(folder)!, "*", SearchOption.AllDirectories)
                    .Select(Path.GetFileName).Order(StringComparer.Ordinal).Where(n => n != "labels"));
            var back = LabelSet.Read(folder);
            Assert.Equal(run.Labels.Chunks, back.Chunks);
            Assert.Equal(run.Labels.References, back.References);
            Assert.Equal(run.Labels.Lengths, back.Lengths);
            Assert.Equal(run.Labels.Metadata.ChunkReads, back.Metadata.ChunkReads);
            Assert.Equal(run.Labels.Metadata.Dropped.OrderBy(d => d.Key), back.Metadata.Dropped.OrderBy(d => d.Key));
            Assert.Equal(run.Package.Manifest.Files.Sha256["model.onnx"], back.Metadata.ModelSha256);
            Assert.Equal(run.Files.Count, back.Metadata.Reads.Count);
            Assert.All(back.Metadata.Reads, r => Assert.Matches("^[0-9a-f]{64}$", r.Sha256));
            Assert.Equal(1800, back.Metadata.ChunkSamples);
            Assert.Throws<IOException>(() => run.Labels.Write(folder));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public void A_label_folder_whose_arrays_disagree_is_refused_with_the_folder_and_the_shapes()
    {
        var folder = Path.Combine(Directory.CreateTempSubdirectory("dipper-labels-").FullName, "labels");
        try
        {
            run.Labels.Write(folder);
            // One length fewer than there are chunks, as a crash between files of a hand-edited folder might leave it.
            Dipper.Compiler.Numerics.NpyWriter.WriteArray<int>(Path.Combine(folder, LabelSet.LengthsFile), run.Labels.Lengths.AsSpan(1), [run.Labels.Count - 1]);

            var e = Assert.Throws<InvalidDataException>(() => LabelSet.Read(folder));

            Assert.Contains(folder, e.Message);
            Assert.Contains($"({run.Labels.Count - 1})", e.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    private static List<string> ReferenceRecords()
    {
        var reference = ReferenceSequences.Load(TestData.ReadsReference);
        Assert.Equal(2, reference.Names.Count);
        return reference.Names.Select(n => reference[n]).ToList();
    }

    private static string ReverseComplement(string s) =>
        string.Concat(s.Reverse().Select(b => b switch { 'A' => 'T', 'C' => 'G', 'G' => 'C', 'T' => 'A', _ => 'N' }));
}
