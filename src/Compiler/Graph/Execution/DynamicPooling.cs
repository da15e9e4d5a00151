using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Graph.Execution;

/// <summary>
/// Dynamic pooling on the CPU, in float32 exactly as the rule is written (<see cref="DynamicPool"/>): positions are
/// summed one move after another over the whole read, and each frame's two shares are added to the output frames in
/// frame order, so the result equals a sequential float32 reference bit for bit (tests/data/reference/dynamic-pooling).
/// On long reads float32 positions drift from the exact sums by rounding; that drift is part of the rule the
/// reference implementations (Osprey's <c>float</c> accumulator) define.
/// </summary>
public static class DynamicPooling
{
    /// <summary>Inclusive prefix sum of <paramref name="moves"/>, one float32 add at a time.</summary>
    public static void Positions(ReadOnlySpan<float> moves, Span<float> positions)
    {
        var total = 0f;
        for (var t = 0; t < moves.Length; t++) positions[t] = total += moves[t];
    }

    /// <summary>
    /// Pools one read's features [channels, T] with per-frame <paramref name="weights"/> and <paramref name="moves"/>
    /// (already σ and scaled) into [channels, L], L = ⌊p[T−1]⌋ + 2.
    /// </summary>
    public static float[] Pool(ReadOnlySpan<float> features, int channels, ReadOnlySpan<float> weights, ReadOnlySpan<float> moves, out int length)
    {
        var frames = moves.Length;
        if (frames == 0) throw new ArgumentException("a read of no frames has no positions to pool by");
        if (features.Length != channels * frames || weights.Length != frames)
            throw new ArgumentException($"features hold {features.Length} values, weights {weights.Length}, for {channels} channels × {frames} frames");
        var positions = new float[frames];
        Positions(moves, positions);
        length = DynamicPool.OutputLength(positions[^1]);
        var output = new float[channels * length];
        for (var t = 0; t < frames; t++)
        {
            var floor = MathF.Floor(positions[t]);
            var i = (int)floor;
            var f = positions[t] - floor;
            var low = (1f - f) * weights[t];
            var high = f * weights[t];
            for (var c = 0; c < channels; c++)
            {
                var x = features[c * frames + t];
                output[c * length + i] += low * x;
                output[c * length + i + 1] += high * x;
            }
        }
        return output;
    }

    /// <summary>
    /// The op on a batch: features [N, C, T], logits [N, 2, T] (weight, move), scale r. Each read is pooled to its own
    /// length; shorter ones are padded with zero frames to the batch's longest, whose length is returned in the shape.
    /// </summary>
    public static FloatTensor Run(FloatTensor features, FloatTensor logits, float scale, out int[] lengths)
    {
        var (batch, channels, frames) = (features.Dim(0), features.Dim(1), features.Dim(2));
        if (logits.Dim(0) != batch || logits.Dim(1) != 2 || logits.Dim(2) != frames)
            throw new GraphException($"dynamic pooling: logits {logits} do not fit features {features}");
        var pooled = new float[batch][];
        lengths = new int[batch];
        var weights = new float[frames];
        var moves = new float[frames];
        for (var b = 0; b < batch; b++)
        {
            var a = logits.Values.AsSpan(b * 2 * frames, frames);
            var m = logits.Values.AsSpan((b * 2 + 1) * frames, frames);
            for (var t = 0; t < frames; t++)
            {
                weights[t] = FloatKernels.Sigmoid(a[t]);
                moves[t] = FloatKernels.Sigmoid(m[t]) * scale;
            }
            pooled[b] = Pool(features.Values.AsSpan(b * channels * frames, channels * frames), channels, weights, moves, out lengths[b]);
        }
        var longest = lengths.Max();
        var output = FloatTensor.Zeros(batch, channels, longest);
        for (var b = 0; b < batch; b++)
            for (var c = 0; c < channels; c++)
                pooled[b].AsSpan(c * lengths[b], lengths[b]).CopyTo(output.Values.AsSpan((b * channels + c) * longest, lengths[b]));
        return output;
    }
}
