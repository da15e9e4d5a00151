namespace Dipper.Basecaller.Inference;

/// <summary>
/// The log-softmax over each frame's classes, done on the host: for models whose output ends at the class
/// scores (<c>dipper compile --host-log-softmax</c> leaves it out of the int8 graph, where an 8-bit
/// LOG_SOFTMAX would lose the low probabilities the qualities and the beam search read). The one home of this
/// step: the TFLite and Edge TPU engines apply it after dequantising, the compiler's verification through
/// its engine wrapper. Applied to log-probabilities it changes nothing beyond rounding.
/// </summary>
public static class FrameLogSoftmax
{
    /// <summary>
    /// Replaces each run of <paramref name="classes"/> values in <paramref name="frames"/> by its log-softmax,
    /// so that every frame's probabilities sum to one (logsumexp 0).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="frames"/> is not a whole number of frames.</exception>
    public static void Apply(Span<float> frames, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (frames.Length % classes != 0)
            throw new ArgumentException($"{frames.Length} values are not whole frames of {classes} classes", nameof(frames));
        for (var start = 0; start < frames.Length; start += classes)
        {
            var frame = frames.Slice(start, classes);
            var max = float.NegativeInfinity;
            foreach (var v in frame) max = Math.Max(max, v);
            // Subtracting the maximum first keeps every exponent at or below zero: no overflow for large scores.
            // The result is formed in double as (score − max) − log Σ, so large scores lose no precision either.
            double sum = 0;
            foreach (var v in frame) sum += Math.Exp(v - max);
            var logSum = Math.Log(sum);
            for (var c = 0; c < classes; c++) frame[c] = (float)((double)frame[c] - max - logSum);
        }
    }
}
