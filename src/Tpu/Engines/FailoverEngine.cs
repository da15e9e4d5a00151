using Dipper.Basecaller.Inference;

namespace Dipper.Tpu.Engines;

/// <summary>
/// Several engines behind one: the primaries (Edge TPUs) used round-robin, then a fallback (the CPU). When an
/// engine fails a batch, the whole batch is run again on the next engine, so no chunk is lost and no partial
/// output escapes; the failed primary is taken out of service and taken back once its hardware is seen again.
/// Safe to call from several threads: each engine is used by one thread at a time.
/// </summary>
public sealed class FailoverEngine : IInferenceEngine
{
    private readonly List<Member> primaries = [];
    private readonly Member? fallback;
    private readonly FailoverOptions options;
    private readonly Lock recheckGate = new();
    private DateTimeOffset lastRecheck;
    private bool recheckRequested;
    private int next = -1;
    private long retries;
    private long recoveries;

    /// <summary>Opens every primary (a primary that cannot be opened starts out of service) and adopts the fallback.</summary>
    /// <exception cref="InferenceException">No engine at all could be opened.</exception>
    /// <exception cref="ArgumentException">Engines disagree on chunk size, frames or classes.</exception>
    public FailoverEngine(IEnumerable<FailoverCandidate> primaries, IInferenceEngine? fallback, FailoverOptions? options = null)
    {
        this.options = options ?? new FailoverOptions();
        lastRecheck = this.options.Time.GetUtcNow();
        foreach (var candidate in primaries)
        {
            var member = new Member(candidate.Name, candidate);
            try
            {
                member.Engine = candidate.Open();
                member.Healthy = true;
            }
            catch (Exception e)
            {
                member.LastError = e.Message;
                this.options.Log?.Invoke($"{candidate.Name} is out of service: {e.Message}");
            }
            this.primaries.Add(member);
        }
        if (fallback is not null) this.fallback = new Member(fallback.Name, null) { Engine = fallback, Healthy = true };

        var shape = this.primaries.Append(this.fallback).Select(m => m?.Engine).OfType<IInferenceEngine>().ToList();
        if (shape.Count == 0)
            throw new InferenceException(Name, "no engine could be opened: " + string.Join("; ", this.primaries.Select(m => $"{m.Name}: {m.LastError}")));
        var first = shape[0];
        ChunkSamples = first.ChunkSamples;
        FramesPerChunk = first.FramesPerChunk;
        Classes = first.Classes;
        MaxBatch = shape.Max(e => e.MaxBatch);
        foreach (var e in shape.Skip(1))
        {
            if (ShapeProblem(e) is { } problem) throw new ArgumentException(problem);
        }
    }

    /// <summary>"failover[edgetpu:…,edgetpu:…,tflite]".</summary>
    public string Name => $"failover[{string.Join(",", primaries.Select(m => m.Name).Concat(fallback is null ? [] : [fallback.Name]))}]";

    /// <inheritdoc />
    public int ChunkSamples { get; }

    /// <inheritdoc />
    public int FramesPerChunk { get; }

    /// <inheritdoc />
    public int Classes { get; }

    /// <summary>The largest batch of any engine; engines with a smaller one get the batch in pieces.</summary>
    public int MaxBatch { get; }

    /// <summary>Batches that had to be moved to another engine.</summary>
    public long Retries => Interlocked.Read(ref retries);

    /// <summary>Times a failed engine was taken back into service.</summary>
    public long Recoveries => Interlocked.Read(ref recoveries);

    /// <summary>Every engine's state, primaries first.</summary>
    public IReadOnlyList<FailoverMemberStatus> Status() =>
        [.. primaries.Select(m => m.Snapshot(false)), .. fallback is null ? [] : new[] { fallback.Snapshot(true) }];

    /// <summary>Look for failed engines' hardware at the next call instead of waiting for the interval (e.g. on a USB hotplug event).</summary>
    public void RequestRecheck()
    {
        lock (recheckGate) recheckRequested = true;
    }

    /// <inheritdoc />
    /// <exception cref="InferenceException">Every engine failed this batch.</exception>
    public void Infer(ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkCount, MaxBatch);
        RecheckFailed();
        var failures = new List<string>();
        foreach (var member in Order())
        {
            lock (member.Gate)
            {
                if (!member.Healthy || member.Engine is not { } engine) continue;
                try
                {
                    Run(engine, chunks, chunkCount, logProbs);
                    member.Batches++;
                    if (failures.Count > 0) Interlocked.Increment(ref retries);
                    return;
                }
                catch (InferenceException e)
                {
                    member.Failures++;
                    member.LastError = e.Message;
                    failures.Add(e.Message);
                    if (member.Candidate is not null) TakeOutOfService(member);
                    options.Log?.Invoke($"{member.Name} failed a batch of {chunkCount} chunks: {e.Message}; trying the next engine");
                }
            }
        }
        throw new InferenceException(Name, failures.Count == 0
            ? "no engine is in service"
            : "every engine failed this batch: " + string.Join("; ", failures));
    }

    /// <summary>Disposes every engine, the fallback included.</summary>
    public void Dispose()
    {
        foreach (var member in primaries.Append(fallback).OfType<Member>())
        {
            lock (member.Gate)
            {
                member.Engine?.Dispose();
                member.Engine = null;
                member.Healthy = false;
            }
        }
    }

    private static void Run(IInferenceEngine engine, ReadOnlySpan<float> chunks, int chunkCount, Span<float> logProbs)
    {
        var perChunkOut = engine.FramesPerChunk * engine.Classes;
        for (var first = 0; first < chunkCount; first += engine.MaxBatch)
        {
            var count = Math.Min(engine.MaxBatch, chunkCount - first);
            engine.Infer(chunks.Slice(first * engine.ChunkSamples, count * engine.ChunkSamples), count,
                logProbs.Slice(first * perChunkOut, count * perChunkOut));
        }
    }

    private IEnumerable<Member> Order()
    {
        var healthy = primaries.Where(m => m.Healthy).ToList();
        if (healthy.Count > 0)
        {
            var start = (int)((uint)Interlocked.Increment(ref next) % (uint)healthy.Count);
            for (var i = 0; i < healthy.Count; i++) yield return healthy[(start + i) % healthy.Count];
        }
        if (fallback is not null) yield return fallback;
    }

    private static void TakeOutOfService(Member member)
    {
        member.Healthy = false;
        member.Engine?.Dispose();
        member.Engine = null;
    }

    private void RecheckFailed()
    {
        if (primaries.TrueForAll(m => m.Healthy)) return;
        lock (recheckGate)
        {
            var now = options.Time.GetUtcNow();
            if (!recheckRequested && now - lastRecheck < options.RecheckInterval) return;
            lastRecheck = now;
            recheckRequested = false;
        }
        foreach (var member in primaries)
        {
            lock (member.Gate)
            {
                if (member.Healthy || member.Candidate is null) continue;
                bool present;
                try
                {
                    present = member.Candidate.IsPresent();
                }
                catch (Exception e)
                {
                    member.LastError = $"presence check failed: {e.Message}";
                    continue;
                }
                if (!present) continue;
                try
                {
                    var engine = member.Candidate.Open();
                    if (ShapeProblem(engine) is { } problem)
                    {
                        engine.Dispose();
                        member.LastError = problem;
                        continue;
                    }
                    member.Engine = engine;
                    member.Healthy = true;
                    Interlocked.Increment(ref recoveries);
                    options.Log?.Invoke($"{member.Name} is back in service");
                }
                catch (Exception e)
                {
                    member.LastError = e.Message;
                }
            }
        }
    }

    private string? ShapeProblem(IInferenceEngine e) =>
        e.ChunkSamples == ChunkSamples && e.FramesPerChunk == FramesPerChunk && e.Classes == Classes
            ? null
            : $"{e.Name} takes {e.ChunkSamples} samples → {e.FramesPerChunk}×{e.Classes}, the others {ChunkSamples} → {FramesPerChunk}×{Classes}";

    private sealed class Member(string name, FailoverCandidate? candidate)
    {
        public Lock Gate { get; } = new();
        public string Name { get; } = name;
        public FailoverCandidate? Candidate { get; } = candidate;
        public IInferenceEngine? Engine { get; set; }
        public volatile bool Healthy;
        public string? LastError { get; set; }
        public long Batches { get; set; }
        public long Failures { get; set; }

        public FailoverMemberStatus Snapshot(bool isFallback)
        {
            lock (Gate) return new FailoverMemberStatus(Name, Healthy, isFallback, LastError, Batches, Failures);
        }
    }
}
