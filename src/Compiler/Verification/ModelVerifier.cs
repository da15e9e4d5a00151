using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Pipeline;
using Dipper.Compiler.Calibration;

namespace Dipper.Compiler.Verification;

/// <summary>
/// Compares a compiled model, run by its real runtime, with the float model, run by ONNX Runtime,
/// on whole held-out reads: log-probability error, per-frame agreement of the most likely class,
/// and the identity of the two greedy base calls. This is what decides whether a compile is kept.
/// </summary>
public static class ModelVerifier
{
    /// <summary>Measures <paramref name="candidate"/> against <paramref name="reference"/>; <paramref name="progress"/> hears the reads done.</summary>
    public static Agreement Compare(string name, IInferenceEngine reference, IInferenceEngine candidate, ChunkLayout layout,
        CtcAlphabet alphabet, IReadOnlyList<HeldOutRead> reads, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        if (reads.Count == 0) throw new ArgumentException("no held-out reads to verify on", nameof(reads));
        var classes = alphabet.Classes;
        var decoder = new GreedyCtcDecoder(alphabet);
        long frames = 0, agreeing = 0;
        double maxError = 0, errorSum = 0, identitySum = 0, lowest = 1;
        for (var r = 0; r < reads.Count; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var expected = ReadInference.LogProbs(reference, layout, reads[r].Signal);
            var actual = ReadInference.LogProbs(candidate, layout, reads[r].Signal);
            var readFrames = expected.Length / classes;
            for (var f = 0; f < readFrames; f++)
            {
                var e = expected.AsSpan(f * classes, classes);
                var a = actual.AsSpan(f * classes, classes);
                if (ArgMax(e) == ArgMax(a)) agreeing++;
                for (var c = 0; c < classes; c++)
                {
                    var d = Math.Abs((double)e[c] - a[c]);
                    errorSum += d;
                    if (d > maxError) maxError = d;
                }
            }
            frames += readFrames;
            var identity = EditDistance.Identity(decoder.Decode(expected, readFrames).Bases, decoder.Decode(actual, readFrames).Bases);
            identitySum += identity;
            lowest = Math.Min(lowest, identity);
            progress?.Report(r + 1);
        }
        return new Agreement(name, reads.Count, frames, maxError, errorSum / (frames * classes),
            (double)agreeing / frames, identitySum / reads.Count, lowest);
    }

    /// <summary>The first most likely class, as the greedy decoder picks it.</summary>
    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best]) best = c;
        }
        return best;
    }
}
