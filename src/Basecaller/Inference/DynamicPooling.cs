namespace Dipper.Basecaller.Inference;

/// <summary>
/// Dynamic pooling on the CPU (Boža et al.; Heron and Osprey; ../shared/research/osprey_heron.md §1), the one home of
/// the rule: the appliance runs it on the host between the two parts of a pooled model, and the compiler's float
/// executor runs it for the graph op. Each frame t has a weight w = σ(a) and a move m = σ(b)·r; its position p is the
/// prefix sum of the moves over the whole read, and the frame is split between output frames ⌊p⌋ and ⌊p⌋ + 1, shares
/// (1 − f)·w and f·w with f = p − ⌊p⌋. Everything is float32 in the order the rule is written (positions summed one
/// move after another, shares added in frame order), so the result equals a sequential float32 reference bit for bit
/// (tests/data/reference/dynamic-pooling); on long reads float32 positions drift from the exact sums by rounding,
/// which is part of the rule the reference implementations (Osprey's <c>float</c> accumulator) define.
/// </summary>
public static class DynamicPooling
{
    /// <summary>The output length of a read whose last position is <paramref name="lastPosition"/>: ⌊p[T−1]⌋ + 2.</summary>
    public static int OutputLength(float lastPosition) => (int)MathF.Floor(lastPosition) + 2;

    /// <summary>σ(x) in float32, as the weights and moves are formed from their logits.</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>
    /// The per-frame weights σ(a) and moves σ(b)·<paramref name="scale"/> from the two logit rows of one read.
    /// </summary>
    public static void WeightsAndMoves(ReadOnlySpan<float> weightLogits, ReadOnlySpan<float> moveLogits, float scale,
        Span<float> weights, Span<float> moves)
    {
        for (var t = 0; t < weightLogits.Length; t++)
        {
            weights[t] = Sigmoid(weightLogits[t]);
            moves[t] = Sigmoid(moveLogits[t]) * scale;
        }
    }

    /// <summary>Inclusive prefix sum of <paramref name="moves"/>, one float32 add at a time.</summary>
    public static void Positions(ReadOnlySpan<float> moves, Span<float> positions)
    {
        var total = 0f;
        for (var t = 0; t < moves.Length; t++) positions[t] = total += moves[t];
    }

    /// <summary>
    /// Where a frame at <paramref name="position"/> goes: output frame ⌊p⌋ (returned) takes (1 − f)·w of it and ⌊p⌋ + 1
    /// takes f·w, f = p − ⌊p⌋. The one home of the split, in float32 in the order the rule is written, for the whole-read
    /// <see cref="Pool"/> and the frame-by-frame <see cref="IncrementalPooling"/>, so the two agree bit for bit.
    /// </summary>
    public static int Shares(float position, float weight, out float low, out float high)
    {
        var floor = MathF.Floor(position);
        var f = position - floor;
        low = (1f - f) * weight;
        high = f * weight;
        return (int)floor;
    }

    /// <summary>
    /// Pools one read's features [channels, T] with per-frame <paramref name="weights"/> and <paramref name="moves"/>
    /// (already σ and scaled) into [channels, L], L = ⌊p[T−1]⌋ + 2.
    /// </summary>
    /// <exception cref="ArgumentException">The read has no frames, or the spans do not hold channels × T values.</exception>
    public static float[] Pool(ReadOnlySpan<float> features, int channels, ReadOnlySpan<float> weights, ReadOnlySpan<float> moves, out int length)
    {
        var frames = moves.Length;
        if (frames == 0) throw new ArgumentException("a read of no frames has no positions to pool by");
        if (features.Length != channels * frames || weights.Length != frames)
            throw new ArgumentException($"features hold {features.Length} values, weights {weights.Length}, for {channels} channels × {frames} frames");
        var positions = new float[frames];
        Positions(moves, positions);
        length = OutputLength(positions[^1]);
        var output = new float[channels * length];
        for (var t = 0; t < frames; t++)
        {
            var i = Shares(positions[t], weights[t], out var low, out var high);
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
    /// Pools one read as the first part of a pooled model leaves it: <paramref name="frames"/> row-major [T, channels + 2],
    /// each frame its features then its weight and move logits. Returns the pooled features frames-major [L, channels],
    /// the layout the second part's windows are cut from.
    /// </summary>
    /// <exception cref="ArgumentException">The frames are not whole rows of channels + 2 values, or there are none.</exception>
    public static float[] PoolFrames(ReadOnlySpan<float> frames, int channels, float scale, out int length)
    {
        var row = channels + 2;
        if (frames.Length == 0 || frames.Length % row != 0)
            throw new ArgumentException($"{frames.Length} values are not whole frames of {channels} features and 2 logits");
        // Moves are at most the scale, so the read pools to at most ⌊T·r⌋ + 2 frames.
        var pooling = new IncrementalPooling(channels, scale, (int)(frames.Length / row * (double)scale) + 2);
        pooling.Add(frames);
        var pooled = pooling.Finish(out length);
        return pooled.Length == length * channels ? pooled : pooled.AsSpan(0, length * channels).ToArray();
    }
}
