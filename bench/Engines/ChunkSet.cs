using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;

namespace Dipper.Bench.Engines;

/// <summary>
/// Every read of the given files normalised and cut into the model's chunks, as the pipeline cuts them
/// (the manifest's chunk length and overlap, the last chunk zero-padded), held in memory so that the
/// network can be timed alone. Samples counts the reads' own samples, not the chunks' (overlap and
/// padding are the pipeline's cost, as they are the reference's).
/// </summary>
internal sealed class ChunkSet
{
    private ChunkSet(float[] chunks, int chunkSamples, long reads, long samples)
    {
        Chunks = chunks;
        ChunkSamples = chunkSamples;
        Reads = reads;
        Samples = samples;
    }

    public float[] Chunks { get; }

    public int ChunkSamples { get; }

    public int Count => Chunks.Length / ChunkSamples;

    public long Reads { get; }

    public long Samples { get; }

    public static async Task<ChunkSet> CutAsync(IEnumerable<string> files, ModelManifest manifest)
    {
        var layout = ChunkLayout.From(manifest);
        var normaliser = new Normaliser(manifest.Normalisation);
        var chunks = new List<float>();
        long reads = 0, samples = 0;
        foreach (var file in files)
        {
            await using var reader = SignalFile.Open(file);
            await foreach (var read in reader.ReadAllAsync())
            {
                var normalised = new float[read.SampleCount];
                normaliser.Normalise(read.Signal, normalised);
                var count = layout.ChunkCount(read.SampleCount);
                for (var i = 0; i < count; i++)
                {
                    var chunk = new float[layout.Samples];
                    normalised.AsSpan(layout.Start(i), layout.RealSamples(i, read.SampleCount)).CopyTo(chunk);
                    chunks.AddRange(chunk);
                }
                reads++;
                samples += read.SampleCount;
            }
        }
        return new ChunkSet([.. chunks], layout.Samples, reads, samples);
    }
}
