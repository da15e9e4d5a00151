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
        var tally = new AgreementTally(alphabet);
        for (var r = 0; r < reads.Count; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            tally.Add(ReadInference.LogProbs(reference, layout, reads[r].Signal), ReadInference.LogProbs(candidate, layout, reads[r].Signal));
            progress?.Report(r + 1);
        }
        return tally.Result(name);
    }
}
