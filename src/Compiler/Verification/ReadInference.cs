using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Pipeline;

namespace Dipper.Compiler.Verification;

/// <summary>
/// Runs one engine over a whole normalised read the way the appliance does: chunks by the
/// package's layout (the last one zero-padded), batches of the engine's size, the kept frames
/// stitched back. Verification compares engines on what base calling actually sees.
/// </summary>
public static class ReadInference
{
    /// <summary>The read's stitched log-probabilities, row-major [frames, classes].</summary>
    public static float[] LogProbs(IInferenceEngine engine, ChunkLayout layout, ReadOnlySpan<float> signal)
    {
        var chunkCount = layout.ChunkCount(signal.Length);
        var classes = engine.Classes;
        var frameValues = engine.FramesPerChunk * classes;
        var read = new float[layout.ReadFrames(signal.Length) * classes];
        var batch = engine.MaxBatch;
        var input = new float[batch * layout.Samples];
        var output = new float[batch * frameValues];
        for (var first = 0; first < chunkCount; first += batch)
        {
            var count = Math.Min(batch, chunkCount - first);
            Array.Clear(input);
            for (var k = 0; k < count; k++)
            {
                var start = layout.Start(first + k);
                var real = layout.RealSamples(first + k, signal.Length);
                signal.Slice(start, real).CopyTo(input.AsSpan(k * layout.Samples));
            }
            engine.Infer(input.AsSpan(0, count * layout.Samples), count, output);
            for (var k = 0; k < count; k++)
                Stitcher.Stitch(layout, first + k, chunkCount, signal.Length, classes, output.AsSpan(k * frameValues, frameValues), read);
        }
        return read;
    }
}
