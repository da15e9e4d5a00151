namespace Dipper.Device.Service;

/// <summary>
/// The last few problems (damaged files, refused reads, engine failures, a full disk), newest first, for the
/// status page. One entry per cause: a cause that comes back moves to the front with its count raised, so a
/// problem that repeats (a full disk, every file failing the same way) does not push every other one out.
/// </summary>
public sealed class RecentProblems(int capacity = 20)
{
    private readonly LinkedList<Problem> _problems = new();
    private readonly Lock _gate = new();

    /// <summary>Remembers a problem whose message is its cause (the same message again counts as the same problem).</summary>
    public void Add(string message) => Add(message, message);

    /// <summary>Remembers a problem under its cause, forgetting the oldest beyond the capacity.</summary>
    /// <param name="cause">What makes two problems the same one (e.g. "disk full: /data/calls").</param>
    /// <param name="message">What happened this time, naming the file and read.</param>
    public void Add(string cause, string message)
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            var count = 1;
            var since = now;
            for (var node = _problems.First; node is not null; node = node.Next)
            {
                if (node.Value.Cause != cause) continue;
                count = node.Value.Count + 1;
                since = node.Value.Since;
                _problems.Remove(node);
                break;
            }
            _problems.AddFirst(new Problem(now, message) { Cause = cause, Count = count, Since = since });
            while (_problems.Count > capacity) _problems.RemoveLast();
        }
    }

    /// <summary>The problems remembered, newest first.</summary>
    public IReadOnlyList<Problem> Snapshot()
    {
        lock (_gate) return [.. _problems];
    }

    /// <summary>One problem.</summary>
    /// <param name="At">When it last happened.</param>
    /// <param name="Message">What happened the last time, naming the file and read.</param>
    public sealed record Problem(DateTimeOffset At, string Message)
    {
        /// <summary>What makes two problems the same one.</summary>
        public string Cause { get; init; } = Message;

        /// <summary>How many times it happened.</summary>
        public int Count { get; init; } = 1;

        /// <summary>When it first happened.</summary>
        public DateTimeOffset Since { get; init; } = At;
    }
}
