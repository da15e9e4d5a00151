namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// A bound on the samples of the reads that hold buffers between two points of the pipeline: a read is admitted only
/// while the samples already admitted and its own stay within the budget, and waits otherwise until enough are let go.
/// A read longer than the whole budget is admitted once nothing else is held, so it runs alone and never waits forever.
/// Used for a pooled model between its first part and the pooling (<see cref="BasecallPipelineOptions.PoolingBudget"/>).
/// </summary>
internal sealed class SampleBudget
{
    private readonly long _limit;
    private readonly Lock _gate = new();
    private long _held;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A budget of <paramref name="samples"/> samples (at least 1).</summary>
    public SampleBudget(long samples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        _limit = samples;
    }

    /// <summary>Waits until <paramref name="samples"/> fit within the budget (or nothing else is held), then holds them.</summary>
    public async ValueTask AcquireAsync(int samples, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task released;
            lock (_gate)
            {
                if (_held == 0 || _held + samples <= _limit)
                {
                    _held += samples;
                    return;
                }
                released = _released.Task;
            }
            await released.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Lets go of <paramref name="samples"/> held by <see cref="AcquireAsync"/>, waking a waiting read.</summary>
    public void Release(int samples)
    {
        TaskCompletionSource released;
        lock (_gate)
        {
            _held -= samples;
            released = _released;
            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        released.TrySetResult();
    }
}
