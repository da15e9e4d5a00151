using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Dipper.Compiler.Training;

/// <summary>
/// The loss a base caller is trained with on labelled chunks: connectionist temporal classification (CTC) of the
/// model's per-frame log-probabilities against each chunk's reference bases, summed over every path that collapses
/// to them (repeats merged, blanks dropped). libtorch's ctc_loss, averaged as PyTorch's default does (each chunk's
/// loss over its label length, then the mean over chunks), so it is a loss per base whatever the chunks' lengths.
/// </summary>
public static class CtcLoss
{
    /// <summary>The mean CTC loss per reference base.</summary>
    /// <param name="logProbs">The model's output [N, frames, classes] (log-probabilities, as the graph returns them).</param>
    /// <param name="targets">Class indices [N, longest label] (int64), padded past each length with anything.</param>
    /// <param name="targetLengths">Each chunk's label length [N] (int64).</param>
    /// <param name="blank">The blank's class index (the model manifest's <c>blank</c>).</param>
    /// <param name="frames">Each chunk's own frames when they differ (a pooled model pads the batch to its longest chunk), or
    /// null when every chunk has all the output's frames. A chunk pooled too short for its label has no path; its loss is
    /// then counted as 0 rather than making the batch's loss infinite.</param>
    public static Tensor Compute(Tensor logProbs, Tensor targets, Tensor targetLengths, int blank, long[]? frames = null)
    {
        var lengths = frames is null ? full(logProbs.shape[0], logProbs.shape[1], int64) : tensor(frames);
        return F.ctc_loss(logProbs.transpose(0, 1), targets, lengths, targetLengths, blank, zero_infinity: frames is not null);
    }

    /// <summary>
    /// Frames CTC needs to emit <paramref name="label"/>: one per base, plus a blank between each pair of equal
    /// neighbours (a repeat cannot be told from one long base otherwise). A chunk with fewer frames has no path.
    /// </summary>
    public static int FramesNeeded(ReadOnlySpan<byte> label)
    {
        var frames = label.Length;
        for (var i = 1; i < label.Length; i++)
        {
            if (label[i] == label[i - 1]) frames++;
        }
        return frames;
    }
}
