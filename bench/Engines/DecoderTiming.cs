using System.Diagnostics;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;

namespace Dipper.Bench.Engines;

/// <summary>
/// The CTC decoders alone, on one thread, over the network's real log-probabilities for the first chunks of the chunk
/// set (each chunk decoded as if it were a read): frames per second of wall time and per CPU-second (the process does
/// nothing else while the clock runs, so its CPU time is the decoder's). At 2 M samples/s and stride 3 the decode
/// workers must keep up with 0.67 M frames/s.
/// </summary>
internal static class DecoderTiming
{
    public static IEnumerable<(string Decoder, long Frames, double Seconds, double CpuSeconds)> Run(IInferenceEngine engine, ChunkSet set, ModelManifest manifest, int maxChunks = 512)
    {
        var chunks = Math.Min(maxChunks, set.Count);
        var perChunk = engine.FramesPerChunk * engine.Classes;
        var logProbs = new float[chunks * perChunk];
        for (var first = 0; first < chunks; first += engine.MaxBatch)
        {
            var count = Math.Min(engine.MaxBatch, chunks - first);
            engine.Infer(set.Chunks.AsSpan(first * set.ChunkSamples, count * set.ChunkSamples), count, logProbs.AsSpan(first * perChunk, count * perChunk));
        }
        var alphabet = new CtcAlphabet(manifest.Alphabet, manifest.Blank);
        foreach (var (name, decoder) in new (string, ICtcDecoder)[] { ("beam 5", new BeamSearchCtcDecoder(alphabet, 5)), ("greedy", new GreedyCtcDecoder(alphabet)) })
        {
            decoder.Decode(logProbs.AsSpan(0, perChunk), engine.FramesPerChunk); // first call untimed
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var c = 0; c < chunks; c++) decoder.Decode(logProbs.AsSpan(c * perChunk, perChunk), engine.FramesPerChunk);
            var seconds = clock.Elapsed.TotalSeconds;
            yield return (name, (long)chunks * engine.FramesPerChunk, seconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
        }
    }
}
