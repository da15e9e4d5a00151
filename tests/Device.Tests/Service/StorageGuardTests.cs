using Dipper.Device.Service;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Service;

public sealed class StorageGuardTests
{
    private const string Output = "/media/usb/calls";
    private const string State = "/var/lib/dipper/state";
    private readonly FakeTimeProvider _time = new();
    private readonly FakeDisk _disk = new();
    private readonly ServiceActivity _activity = new() { Phase = ServicePhase.Running };
    private readonly StorageGuard _guard;

    public StorageGuardTests()
    {
        _guard = new StorageGuard(new OutputLayout(["/data"], Output), State, _disk, _activity, _time,
            TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(16), NullLogger.Instance);
    }

    [Fact]
    public async Task Full_disk_is_looked_at_every_interval_and_calling_resumes_at_the_first_look_that_finds_room()
    {
        _disk.Available = 10_000;
        _guard.Report(new StorageFault(StorageCondition.Full, Output, "full", BytesNeeded: 50_000));
        Assert.Equal(ServicePhase.DiskFull, _activity.Phase);

        var waiting = _guard.WaitUntilWritableAsync(CancellationToken.None);
        for (var look = 1; look <= 5; look++)
        {
            await AdvanceAsync(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(look - 1, _disk.SpaceLooks);
            await AdvanceAsync(TimeSpan.FromMilliseconds(1));
            Assert.Equal(look, _disk.SpaceLooks);
            Assert.False(waiting.IsCompleted, "calling resumed while the disk had no room");
        }
        // No file was created on the full disk to find that out: its free space said so.
        Assert.Equal(0, _disk.WriteLooks);

        _disk.Available = 10_000_000;
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ServicePhase.Running, _activity.Phase);
        Assert.Null(_guard.Fault);
        Assert.True(_guard.WaitUntilWritableAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task Each_pause_after_a_resume_that_committed_nothing_waits_twice_as_long_and_a_commit_resets_it()
    {
        _disk.Available = 10_000_000; // every look finds room: only the retry delay holds calling back
        var waits = new List<int>();
        for (var pause = 0; pause < 5; pause++)
        {
            if (pause == 4) _guard.Succeeded();
            _guard.Report(new StorageFault(StorageCondition.Full, Output, "full", 1000));
            var waiting = _guard.WaitUntilWritableAsync(CancellationToken.None);
            var seconds = 0;
            while (!waiting.IsCompleted)
            {
                Assert.True(seconds < 120, "calling never resumed");
                await AdvanceAsync(TimeSpan.FromSeconds(2));
                seconds += 2;
            }
            waits.Add(seconds);
        }
        // 2 s, then 4, 8 and 16 (the longest); a committed file brings it back to 2.
        Assert.Equal([2, 4, 8, 16, 2], waits);
    }

    [Fact]
    public async Task Room_for_less_than_the_file_that_failed_does_not_resume_calling()
    {
        _disk.Available = 60_000;
        _guard.Report(new StorageFault(StorageCondition.Full, Output, "full", BytesNeeded: 60_000));
        var waiting = _guard.WaitUntilWritableAsync(CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.False(waiting.IsCompleted);
        Assert.Equal(2, _disk.SpaceLooks);
    }

    [Fact]
    public async Task Vanished_folder_pauses_calling_until_it_is_back()
    {
        _disk.Writable = false;
        _guard.Report(StorageFault.Missing(Output));
        Assert.Equal(ServicePhase.FolderUnavailable, _activity.Phase);
        var waiting = _guard.WaitUntilWritableAsync(CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        await AdvanceAsync(TimeSpan.FromSeconds(4));
        Assert.False(waiting.IsCompleted);

        _disk.Writable = true;
        await AdvanceAsync(TimeSpan.FromSeconds(8));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ServicePhase.Running, _activity.Phase);
    }

    [Fact]
    public void The_same_cause_reported_again_is_one_problem_with_a_count()
    {
        for (var i = 0; i < 7; i++) _guard.Report(new StorageFault(StorageCondition.Full, Output, $"{Output} is full (file {i})", 1000));
        _activity.Problems.Add("another problem");

        var problems = _activity.Problems.Snapshot();
        Assert.Equal(2, problems.Count);
        var full = Assert.Single(problems, p => p.Message.Contains("is full"));
        Assert.Equal(7, full.Count);
        Assert.Contains("file 6", full.Message);
        Assert.True(full.Since <= full.At);
    }

    [Fact]
    public void Free_space_of_the_output_and_state_folders_is_reported()
    {
        _disk.Available = 123_456;
        var space = _guard.Space();
        Assert.Equal([("output", Output, 123_456L), ("state", State, 123_456L)], space.Select(s => (s.Role, s.Folder, s.AvailableBytes!.Value)));
    }

    private async Task AdvanceAsync(TimeSpan by)
    {
        _time.Advance(by);
        // The guard's continuation runs on the thread pool: give it a moment to look.
        await Task.Delay(50);
    }

    /// <summary>A disk whose free space and writability the test sets; counts the looks at its free space and writability.</summary>
    private sealed class FakeDisk : IStorageProbe
    {
        public long Available { get; set; }
        public bool Writable { get; set; } = true;
        public int SpaceLooks { get; private set; }
        public int WriteLooks { get; private set; }

        public (long? Available, long? Total) Space(string folder)
        {
            SpaceLooks++;
            return (Available, 64_000_000);
        }

        public bool CanWrite(string folder)
        {
            WriteLooks++;
            return Writable;
        }
    }
}
