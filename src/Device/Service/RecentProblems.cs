namespace Dipper.Device.Service;

/// <summary>The last few problems (damaged files, refused reads, engine failures), newest first, for the status page.</summary>
public sealed class RecentProblems(int capacity = 20)
{
    private readonly LinkedList<Problem> _problems = new();
    private readonly Lock _gate = new();

    /// <summary>Remembers a problem, forgetting the oldest beyond the capacity.</summary>
    public void Add(string message)
    {
        lock (_gate)
        {
            _problems.AddFirst(new Problem(DateTimeOffset.UtcNow, message));
            while (_problems.Count > capacity) _problems.RemoveLast();
        }
    }

    /// <summary>The problems remembered, newest first.</summary>
    public IReadOnlyList<Problem> Snapshot()
    {
        lock (_gate) return [.. _problems];
    }

    /// <summary>One problem.</summary>
    /// <param name="At">When it happened.</param>
    /// <param name="Message">What happened, naming the file and read.</param>
    public sealed record Problem(DateTimeOffset At, string Message);
}
