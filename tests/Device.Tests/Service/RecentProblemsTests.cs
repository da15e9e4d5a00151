using Dipper.Device.Service;

namespace Dipper.Device.Tests.Service;

public sealed class RecentProblemsTests
{
    [Fact]
    public void Repeated_problem_moves_to_the_front_with_its_count_and_does_not_push_others_out()
    {
        var problems = new RecentProblems(capacity: 3);
        problems.Add("a.pod5: damaged");
        problems.Add("b.pod5: damaged");
        for (var i = 0; i < 50; i++) problems.Add("disk full: /data/calls", $"/data/calls is full (try {i})");

        var list = problems.Snapshot();
        Assert.Equal(["/data/calls is full (try 49)", "b.pod5: damaged", "a.pod5: damaged"], list.Select(p => p.Message));
        Assert.Equal([50, 1, 1], list.Select(p => p.Count));
    }

    [Fact]
    public void Oldest_cause_is_forgotten_beyond_the_capacity()
    {
        var problems = new RecentProblems(capacity: 2);
        problems.Add("one");
        problems.Add("two");
        problems.Add("three");
        Assert.Equal(["three", "two"], problems.Snapshot().Select(p => p.Message));
    }
}
