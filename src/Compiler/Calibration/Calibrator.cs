using Dipper.Compiler.Graph.Execution;

namespace Dipper.Compiler.Calibration;

/// <summary>
/// Runs calibration chunks through the float reference executor and collects every activation's
/// distribution. Chunks are split across threads, each with its own statistics, merged at the end,
/// so the result does not depend on the thread count.
/// </summary>
public static class Calibrator
{
    /// <summary>
    /// Collects statistics over <paramref name="chunks"/>, <paramref name="batch"/> chunks per run;
    /// <paramref name="progress"/> hears the number of chunks done after each batch. A chunk is signal [1, samples], or with
    /// <paramref name="channels"/> above 1 frames-major [frames, channels] (the windows of pooled frames a pooled model's
    /// part after the pooling takes).
    /// </summary>
    public static ActivationStatistics Collect(FloatExecutor executor, IReadOnlyList<float[]> chunks, int batch, int threads,
        IProgress<int>? progress, CancellationToken cancellationToken, int channels = 1)
    {
        if (chunks.Count == 0) throw new ArgumentException("no calibration chunks", nameof(chunks));
        var samples = chunks[0].Length;
        var batches = (chunks.Count + batch - 1) / batch;
        var done = 0;
        var perThread = new ActivationStatistics[Math.Max(1, Math.Min(threads, batches))];
        Parallel.For(0, perThread.Length, new ParallelOptions { MaxDegreeOfParallelism = perThread.Length, CancellationToken = cancellationToken }, worker =>
        {
            var statistics = perThread[worker] = new ActivationStatistics();
            // Interleaved batches: worker w takes batches w, w + n, …; every chunk is seen exactly once.
            for (var b = worker; b < batches; b += perThread.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var first = b * batch;
                var count = Math.Min(batch, chunks.Count - first);
                var input = new float[count * samples];
                for (var i = 0; i < count; i++) chunks[first + i].CopyTo(input, i * samples);
                executor.Run(new FloatTensor(channels == 1 ? [count, 1, samples] : [count, samples / channels, channels], input), statistics.Observe);
                progress?.Report(Interlocked.Add(ref done, count));
            }
        });
        var merged = new ActivationStatistics();
        foreach (var s in perThread) merged.Merge(s);
        return merged;
    }
}
