using Dipper.Basecaller.Inference;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Graph.Execution;

/// <summary>
/// Dynamic pooling (<see cref="DynamicPool"/>) for the float executor, on a batch: the rule itself lives in
/// Dipper.Basecaller (<see cref="DynamicPooling"/>), where the appliance runs it between the two parts of a pooled model,
/// so the compiler and the appliance pool by one piece of code.
/// </summary>
public static class BatchDynamicPooling
{
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
            DynamicPooling.WeightsAndMoves(logits.Values.AsSpan(b * 2 * frames, frames), logits.Values.AsSpan((b * 2 + 1) * frames, frames),
                scale, weights, moves);
            pooled[b] = DynamicPooling.Pool(features.Values.AsSpan(b * channels * frames, channels * frames), channels, weights, moves, out lengths[b]);
        }
        var longest = lengths.Max();
        var output = FloatTensor.Zeros(batch, channels, longest);
        for (var b = 0; b < batch; b++)
            for (var c = 0; c < channels; c++)
                pooled[b].AsSpan(c * lengths[b], lengths[b]).CopyTo(output.Values.AsSpan((b * channels + c) * longest, lengths[b]));
        return output;
    }
}
