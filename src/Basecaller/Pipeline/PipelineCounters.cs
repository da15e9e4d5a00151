namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Running totals of one pipeline run, updated by the stages from their own threads. Read by the
/// progress display and the summary, and published through <see cref="PipelineMetrics"/>.
/// </summary>
public sealed class PipelineCounters
{
    private long _filesDone, _filesFailed, _readsLoaded, _readsFailed, _readsCalled;
    private long _samplesLoaded, _samplesCalled, _chunks, _batches, _chunksInferred, _chunkSamplesInferred, _bases;
    private long _samplesBeforePooling, _peakSamplesBeforePooling;

    /// <summary>Signal files read to the end (whole or damaged).</summary>
    public long FilesDone => Volatile.Read(ref _filesDone);

    /// <summary>Signal files that were damaged or unreadable, in part or whole.</summary>
    public long FilesFailed => Volatile.Read(ref _filesFailed);

    /// <summary>Reads delivered by the readers.</summary>
    public long ReadsLoaded => Volatile.Read(ref _readsLoaded);

    /// <summary>Reads refused (unsupported sample rate, no signal).</summary>
    public long ReadsFailed => Volatile.Read(ref _readsFailed);

    /// <summary>Reads called and written.</summary>
    public long ReadsCalled => Volatile.Read(ref _readsCalled);

    /// <summary>Raw samples of the reads delivered by the readers.</summary>
    public long SamplesLoaded => Volatile.Read(ref _samplesLoaded);

    /// <summary>Raw samples of the reads called and written.</summary>
    public long SamplesCalled => Volatile.Read(ref _samplesCalled);

    /// <summary>Chunks cut from reads.</summary>
    public long Chunks => Volatile.Read(ref _chunks);

    /// <summary>Network calls made.</summary>
    public long Batches => Volatile.Read(ref _batches);

    /// <summary>Chunks run through the network.</summary>
    public long ChunksInferred => Volatile.Read(ref _chunksInferred);

    /// <summary>
    /// Samples the network computed, overlap and padding included: over <see cref="SamplesCalled"/>, the share of work the
    /// chunking adds. Less than <see cref="ChunksInferred"/> whole chunks when last chunks are computed at their own length.
    /// </summary>
    public long ChunkSamplesInferred => Volatile.Read(ref _chunkSamplesInferred);

    /// <summary>Bases written.</summary>
    public long Bases => Volatile.Read(ref _bases);

    /// <summary>
    /// Samples of the reads of a pooled model now between the part before the pooling and the pooling: admitted by the
    /// chunker, not yet pooled. What <see cref="BasecallPipelineOptions.PoolingBudget"/> bounds; 0 for a model without pooling.
    /// </summary>
    public long SamplesBeforePooling => Volatile.Read(ref _samplesBeforePooling);

    /// <summary>The most <see cref="SamplesBeforePooling"/> has been during the run.</summary>
    public long PeakSamplesBeforePooling => Volatile.Read(ref _peakSamplesBeforePooling);

    internal void ReadBeforePooling(int samples)
    {
        var now = Interlocked.Add(ref _samplesBeforePooling, samples);
        var peak = Volatile.Read(ref _peakSamplesBeforePooling);
        while (now > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakSamplesBeforePooling, now, peak);
            if (seen == peak) break;
            peak = seen;
        }
    }

    internal void PooledRead(int samples) => Interlocked.Add(ref _samplesBeforePooling, -samples);

    internal void FileDone(bool failed)
    {
        Interlocked.Increment(ref _filesDone);
        if (failed) Interlocked.Increment(ref _filesFailed);
    }

    internal void ReadLoaded(int samples)
    {
        Interlocked.Increment(ref _readsLoaded);
        Interlocked.Add(ref _samplesLoaded, samples);
    }

    internal void ReadFailed() => Interlocked.Increment(ref _readsFailed);

    internal void ChunksCut(int count) => Interlocked.Add(ref _chunks, count);

    internal void BatchInferred(int chunks, int chunkSamples)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _chunksInferred, chunks);
        Interlocked.Add(ref _chunkSamplesInferred, (long)chunks * chunkSamples);
    }

    internal void ReadCalled(int samples, int bases)
    {
        Interlocked.Increment(ref _readsCalled);
        Interlocked.Add(ref _samplesCalled, samples);
        Interlocked.Add(ref _bases, bases);
    }
}
