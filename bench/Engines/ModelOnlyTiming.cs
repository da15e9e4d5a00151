using System.Diagnostics;
using Dipper.Basecaller.Inference;

namespace Dipper.Bench.Engines;

/// <summary>
/// The network alone: WORKERS threads, one engine each, take batches of the chunk set in turn until
/// all are done. Each engine runs one batch first, untimed (first-call allocations), as the reference
/// pipeline warms up; the clock (and the process's CPU time, which shows how much
/// of the wall time a loaded machine gave it) covers only the timed batches.
/// </summary>
internal static class ModelOnlyTiming
{
    public static (double Seconds, int Batches, double CpuSeconds) Run(Func<IInferenceEngine> create, int workers, ChunkSet set)
    {
        var engines = Enumerable.Range(0, workers).Select(_ => create()).ToList();
        try
        {
            var batch = engines[0].MaxBatch;
            var frameValues = engines[0].FramesPerChunk * engines[0].Classes;
            var batches = (set.Count + batch - 1) / batch;
            var outputs = engines.Select(_ => new float[batch * frameValues]).ToList();
            for (var w = 0; w < workers; w++)
                engines[w].Infer(set.Chunks.AsSpan(0, Math.Min(batch, set.Count) * set.ChunkSamples), Math.Min(batch, set.Count), outputs[w]);

            var next = -1;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
            {
                int b;
                while ((b = Interlocked.Increment(ref next)) < batches)
                {
                    var count = Math.Min(batch, set.Count - b * batch);
                    engines[w].Infer(set.Chunks.AsSpan(b * batch * set.ChunkSamples, count * set.ChunkSamples), count, outputs[w]);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            var seconds = clock.Elapsed.TotalSeconds;
            return (seconds, batches, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
    }
}
