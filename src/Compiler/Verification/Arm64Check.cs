using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Pipeline;
using Dipper.Compiler.Calibration;

namespace Dipper.Compiler.Verification;

/// <summary>
/// Verification of what the appliance computes. Its CPU runs TFLite's arm64 kernels, whose CONV_2D requantisation
/// floors the high multiply where the x86-64 kernels round it (docs/arm64-int8.md): through the whole network the
/// int8 outputs part and a few per cent of the bases with them. The compiler has no arm64 runtime, so the managed
/// int8 reference in its arm64 variant stands in for it (on the bundled model it gives the arm64 runtime's most likely
/// class in 99.5 % of frames, the x86-64 runtime 96 %; ADD still parts in a few values); being plain loops, it runs on
/// the first held-out reads that fit a chunk budget. Each read's arm64 output is computed once and compared with
/// the float model and with the x86-64 int8 model.
/// </summary>
public static class Arm64Check
{
    /// <summary>How report.md and the log name these figures.</summary>
    public const string Label = "arm64 (Raspberry Pi, TFLite's built-in kernels), computed by the managed reference";

    /// <summary>The reads from the first on whose chunks add up to at most <paramref name="maxChunks"/>; none when the first alone exceeds it.</summary>
    public static IReadOnlyList<HeldOutRead> Within(IReadOnlyList<HeldOutRead> reads, ChunkLayout layout, int maxChunks)
    {
        var chosen = new List<HeldOutRead>();
        var chunks = 0;
        foreach (var read in reads)
        {
            chunks += layout.ChunkCount(read.Signal.Length);
            if (chunks > maxChunks) break;
            chosen.Add(read);
        }
        return chosen;
    }

    /// <summary>
    /// Runs <paramref name="arm64"/> on the reads <see cref="Within"/> the budget and measures it against
    /// <paramref name="floatModel"/> and <paramref name="x86Int8"/>; null when no read fits the budget.
    /// </summary>
    public static Arm64Agreement? Compare(IInferenceEngine floatModel, IInferenceEngine x86Int8, IInferenceEngine arm64, ChunkLayout layout,
        CtcAlphabet alphabet, IReadOnlyList<HeldOutRead> reads, int maxChunks, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var chosen = Within(reads, layout, maxChunks);
        if (chosen.Count == 0) return null;
        var (withFloat, withX86) = (new AgreementTally(alphabet), new AgreementTally(alphabet));
        var chunks = 0;
        for (var r = 0; r < chosen.Count; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var signal = chosen[r].Signal;
            var computed = ReadInference.LogProbs(arm64, layout, signal);
            withFloat.Add(ReadInference.LogProbs(floatModel, layout, signal), computed);
            withX86.Add(ReadInference.LogProbs(x86Int8, layout, signal), computed);
            chunks += layout.ChunkCount(signal.Length);
            progress?.Report(r + 1);
        }
        return new Arm64Agreement(withFloat.Result(Label), withX86.Result(Label), chunks, maxChunks, reads.Count);
    }
}
