using Dipper.Basecaller.Pipeline;

namespace Dipper.Basecaller.Tests.Pipeline;

public class ChunkLayoutTests
{
    private static readonly ChunkLayout Sbonito = ChunkLayout.From(TestManifests.Sbonito());

    [Theory]
    // The reference pipeline's reads (tests/data/reference/sbonito/manifest.json).
    [InlineData(65030, 54, 1430, 21677)]
    [InlineData(110232, 92, 1032, 36744)]
    [InlineData(45434, 38, 1034, 15145)]
    // Edges: shorter than a chunk, exactly a chunk, one sample more.
    [InlineData(1, 1, 1, 1)]
    [InlineData(1800, 1, 1800, 600)]
    [InlineData(1801, 2, 601, 601)]
    [InlineData(3000, 2, 1800, 1000)]
    [InlineData(3001, 3, 601, 1001)]
    public void Chunk_count_last_chunk_and_frames_match_the_reference(int samples, int chunks, int lastReal, int frames)
    {
        Assert.Equal(chunks, Sbonito.ChunkCount(samples));
        Assert.Equal(lastReal, Sbonito.RealSamples(chunks - 1, samples));
        Assert.Equal(frames, Sbonito.ReadFrames(samples));
    }

    [Fact]
    public void Sbonito_windows_keep_frames_100_to_500_and_the_first_keeps_its_start()
    {
        Assert.Equal(new KeptFrames(0, 500, 0), Sbonito.Kept(0, 54, 65030));
        Assert.Equal(new KeptFrames(100, 500, 500), Sbonito.Kept(1, 54, 65030));
        // Last window: starts at 63600, 1430 real samples -> frames [100, 477).
        Assert.Equal(new KeptFrames(100, 477, 53 * 400 + 100), Sbonito.Kept(53, 54, 65030));
    }

    [Theory]
    [InlineData(1800, 600, 3)]
    [InlineData(1800, 0, 3)]
    [InlineData(600, 300, 3)] // step 300 needs several chunks per frame region
    [InlineData(1000, 200, 5)]
    public void Every_frame_of_a_read_comes_from_exactly_one_chunk(int chunkSamples, int overlap, int stride)
    {
        var layout = new ChunkLayout(chunkSamples, chunkSamples - overlap, stride);
        foreach (var n in Enumerable.Range(1, 40).Select(i => i * 97 % 7000 + i).Concat([chunkSamples, chunkSamples + 1, 3 * chunkSamples]))
        {
            var covered = new int[layout.ReadFrames(n)];
            var count = layout.ChunkCount(n);
            Assert.True(layout.Start(count - 1) + chunkSamples >= n, $"N={n}: the chunks stop before the read ends");
            Assert.True(count == 1 || layout.Start(count - 2) + chunkSamples < n, $"N={n}: one chunk too many");
            for (var k = 0; k < count; k++)
            {
                var kept = layout.Kept(k, count, n);
                Assert.InRange(kept.First, 0, layout.FramesPerChunk);
                Assert.InRange(kept.End, kept.First, layout.FramesPerChunk);
                for (var f = 0; f < kept.Count; f++) covered[kept.ReadStart + f]++;
            }
            Assert.All(covered, c => Assert.Equal(1, c));
        }
    }

    [Theory]
    // 65,030 samples: the last chunk has 1,430 real samples → 8 blocks of 192.
    [InlineData(65030, 53, 1536)]
    // Shorter than a block, exactly a block, one sample more; shorter than a chunk; exactly a chunk.
    [InlineData(1, 0, 192)]
    [InlineData(192, 0, 192)]
    [InlineData(193, 0, 384)]
    [InlineData(1700, 0, 1728)]
    [InlineData(1800, 0, 1800)]
    // A last chunk whose real samples round up past the chunk stays a whole chunk.
    [InlineData(1799, 0, 1800)]
    public void A_short_last_chunk_is_its_real_samples_in_whole_blocks_and_never_more_than_a_chunk(int samples, int lastIndex, int computed)
    {
        var layout = Sbonito with { ShortLastChunk = true };
        Assert.Equal(lastIndex, layout.ChunkCount(samples) - 1);
        Assert.Equal(computed, layout.ComputedSamples(lastIndex, samples));
        Assert.Equal(1800, Sbonito.ComputedSamples(lastIndex, samples));
        if (lastIndex > 0) Assert.Equal(1800, layout.ComputedSamples(lastIndex - 1, samples));
        // Every frame the read keeps of its last chunk is one the short chunk computes.
        Assert.True(layout.Kept(lastIndex, lastIndex + 1, samples).End * layout.Stride <= computed);
    }
}
