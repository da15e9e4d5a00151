using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Compiler.Verification;

namespace Dipper.Compiler.Calibration;

/// <summary>
/// What the part of a pooled model after the pooling sees, made from a calibration set: each read run through the part
/// before the pooling (float, in the engine the appliance runs it in) over the whole read, pooled on the host as the
/// appliance pools it (<see cref="DynamicPooling"/>, the one home of the rule), and, for calibration, cut into the windows
/// <see cref="ChunkLayout.AfterPooling"/> cuts. The held-out reads are pooled whole too, so verification compares the two
/// second parts on the pooled frames the split pipeline gives them.
/// </summary>
/// <param name="Windows">Windows of pooled frames, frames-major [window, features], to calibrate on.</param>
/// <param name="HeldOut">The held-out reads' pooled frames, frames-major [frames, features], whole.</param>
public sealed record PooledCalibration(IReadOnlyList<float[]> Windows, IReadOnlyList<HeldOutRead> HeldOut)
{
    /// <summary>Pools the calibration set's whole reads (<see cref="CalibrationSet.WholeReads"/>) and held-out reads.</summary>
    /// <param name="beforePooling">The part before the pooling (features and pooling logits per sample).</param>
    /// <param name="manifest">The pooled model's manifest: chunks, pooling scale, windows.</param>
    /// <param name="set">Reads loaded with <see cref="CalibrationSetOptions.KeepWholeReads"/>.</param>
    /// <param name="options">At most <see cref="CalibrationSetOptions.CalibrationChunks"/> windows, <see cref="CalibrationSetOptions.ChunksPerRead"/>
    /// from any one read, spread along it as chunks are.</param>
    /// <param name="progress">Hears the reads pooled.</param>
    /// <param name="cancellationToken">Stops between reads.</param>
    public static PooledCalibration Make(IInferenceEngine beforePooling, ModelManifest manifest, CalibrationSet set, CalibrationSetOptions options,
        IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var layout = ChunkLayout.AfterPooling(manifest);
        var windows = new List<float[]>();
        var done = 0;
        foreach (var read in set.WholeReads)
        {
            if (windows.Count >= options.CalibrationChunks) break;
            cancellationToken.ThrowIfCancellationRequested();
            var pooled = Pool(beforePooling, manifest, read.Signal);
            if (pooled.Length < layout.Samples)
            {
                // A read pooled shorter than one window is zero-padded to it, as the pipeline pads a read's last window.
                var window = new float[layout.Samples];
                pooled.CopyTo(window, 0);
                windows.Add(window);
            }
            else
            {
                CalibrationSet.TakeChunks(pooled, layout, Math.Min(options.ChunksPerRead, options.CalibrationChunks - windows.Count), windows);
            }
            progress?.Report(++done);
        }
        var heldOut = new List<HeldOutRead>();
        foreach (var read in set.HeldOut)
        {
            cancellationToken.ThrowIfCancellationRequested();
            heldOut.Add(new HeldOutRead(read.ReadId, Pool(beforePooling, manifest, read.Signal)));
            progress?.Report(++done);
        }
        return new PooledCalibration(windows, heldOut);
    }

    /// <summary>One normalised read through the part before the pooling (stitched over the whole read), then pooled: [frames, features].</summary>
    public static float[] Pool(IInferenceEngine beforePooling, ModelManifest manifest, float[] signal)
    {
        var pooling = manifest.Pooling ?? throw new ArgumentException($"model '{manifest.Name}' has no dynamic pooling", nameof(manifest));
        var frames = ReadInference.LogProbs(beforePooling, ChunkLayout.BeforePooling(manifest), signal);
        return DynamicPooling.PoolFrames(frames, pooling.Features, pooling.Scale, out _);
    }
}
