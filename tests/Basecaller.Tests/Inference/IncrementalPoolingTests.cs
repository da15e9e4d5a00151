using Dipper.Basecaller.Inference;

namespace Dipper.Basecaller.Tests.Inference;

/// <summary>
/// <see cref="IncrementalPooling"/> against <see cref="DynamicPooling.Pool"/> (the whole-read rule, itself checked bit for
/// bit against the PyTorch reference in tests/Compiler.Tests): frames fed in runs of any size pool to the same frames, bit for bit.
/// </summary>
public sealed class IncrementalPoolingTests
{
    /// <summary>Random first-part output of one read: [frames, channels + 2], features then weight and move logits.</summary>
    private static float[] FirstPartOutput(int frames, int channels, int seed)
    {
        var random = new Random(seed);
        var values = new float[frames * (channels + 2)];
        for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 6 - 3);
        return values;
    }

    /// <summary>The whole-read rule on the same frames: transposed to [channels, T], σ of the logits, pooled, back to [L, channels].</summary>
    private static float[] PoolWhole(float[] frames, int channels, float scale, out int length)
    {
        var row = channels + 2;
        var count = frames.Length / row;
        var features = new float[channels * count];
        var weightLogits = new float[count];
        var moveLogits = new float[count];
        for (var t = 0; t < count; t++)
        {
            for (var c = 0; c < channels; c++) features[c * count + t] = frames[t * row + c];
            weightLogits[t] = frames[t * row + channels];
            moveLogits[t] = frames[t * row + channels + 1];
        }
        var weights = new float[count];
        var moves = new float[count];
        DynamicPooling.WeightsAndMoves(weightLogits, moveLogits, scale, weights, moves);
        var pooled = DynamicPooling.Pool(features, channels, weights, moves, out length);
        var framesMajor = new float[length * channels];
        for (var c = 0; c < channels; c++)
            for (var i = 0; i < length; i++) framesMajor[i * channels + c] = pooled[c * length + i];
        return framesMajor;
    }

    [Theory]
    [InlineData(5, 1, 1f, 1)]
    [InlineData(80, 4_000, 1f, 2)]
    [InlineData(3, 20_000, 0.87f, 3)]
    public void Frames_pooled_in_runs_of_any_size_equal_the_whole_read_pooled_at_once_bit_for_bit(int channels, int frames, float scale, int seed)
    {
        var values = FirstPartOutput(frames, channels, seed);
        var expected = PoolWhole(values, channels, scale, out var expectedLength);

        // Runs of 1 to 1,500 frames, as the kept frames of chunks arrive, and room for no pooled frames at first (so it grows).
        var pooling = new IncrementalPooling(channels, scale);
        var random = new Random(seed);
        var row = channels + 2;
        for (var t = 0; t < frames;)
        {
            var run = Math.Min(frames - t, random.Next(1, 1_501));
            pooling.Add(values.AsSpan(t * row, run * row));
            t += run;
        }
        Assert.Equal(frames, pooling.Frames);
        var pooled = pooling.Finish(out var length);

        Assert.Equal(expectedLength, length);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), pooled.Take(length * channels).Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits),
            DynamicPooling.PoolFrames(values, channels, scale, out var framesLength).Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expectedLength, framesLength);
    }

    [Fact]
    public void A_read_of_no_frames_cannot_be_finished_and_a_finished_read_takes_no_more_frames()
    {
        var empty = new IncrementalPooling(2, 1f);
        Assert.Throws<InvalidOperationException>(() => empty.Finish(out _));

        var pooling = new IncrementalPooling(2, 1f);
        pooling.Add([1f, 2f, 0f, 0f]);
        pooling.Finish(out var length);
        Assert.Equal(2, length);
        Assert.Throws<InvalidOperationException>(() => pooling.Add([1f, 2f, 0f, 0f]));
        Assert.Throws<ArgumentException>(() => new IncrementalPooling(2, 1f).Add([1f, 2f, 0f]));
    }
}
