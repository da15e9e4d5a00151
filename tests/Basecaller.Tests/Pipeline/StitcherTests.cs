using Dipper.Basecaller.Pipeline;

namespace Dipper.Basecaller.Tests.Pipeline;

public class StitcherTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1799)]
    [InlineData(4000)]
    [InlineData(65030)]
    public void Stitched_frames_land_at_their_position_in_the_read(int samples)
    {
        // Each chunk reports, for every frame and class, the read frame it computed (chunk start + frame).
        var layout = ChunkLayout.From(TestManifests.Sbonito());
        const int classes = 2;
        var count = layout.ChunkCount(samples);
        var read = new float[layout.ReadFrames(samples) * classes];
        Array.Fill(read, float.NaN);
        var chunk = new float[layout.FramesPerChunk * classes];
        for (var k = 0; k < count; k++)
        {
            for (var f = 0; f < layout.FramesPerChunk; f++)
            {
                chunk[f * classes] = k * layout.FrameStep + f;
                chunk[f * classes + 1] = -(k * layout.FrameStep + f);
            }
            Stitcher.Stitch(layout, k, count, samples, classes, chunk, read);
        }
        for (var t = 0; t < read.Length / classes; t++)
        {
            Assert.Equal(t, read[t * classes]);
            Assert.Equal(-t, read[t * classes + 1]);
        }
    }
}
