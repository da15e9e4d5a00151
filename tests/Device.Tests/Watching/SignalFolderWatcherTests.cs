using Dipper.Basecaller.Signal;
using Dipper.Device.Journal;
using Dipper.Device.Tests.Service;
using Dipper.Device.Watching;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dipper.Device.Tests.Watching;

public sealed class SignalFolderWatcherTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly TestFolders _folders = new("dipper-watch-");
    private readonly CallJournal _journal;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Path, string Error)> _setAside = [];
    private SignalFolderWatcher? _watcher;
    private Task? _running;

    public SignalFolderWatcherTests() => _journal = CallJournal.Open(_folders.State);

    public void Dispose()
    {
        _stop.Cancel();
        _running?.Wait(TimeSpan.FromSeconds(10));
        _journal.Dispose();
        _stop.Dispose();
        _folders.Dispose();
    }

    private SignalFolderWatcher Start(TimeSpan? stability = null)
    {
        _watcher = new SignalFolderWatcher(new WatcherSettings
        {
            InputFolders = [_folders.Input],
            ExcludedFolders = [_folders.Output],
            StabilityDelay = stability ?? TimeSpan.FromMilliseconds(300),
            RescanInterval = TimeSpan.FromSeconds(1),
        }, _journal, NullLogger.Instance, (path, error) => { lock (_setAside) _setAside.Add((path, error)); });
        _running = _watcher.RunAsync(_stop.Token);
        return _watcher;
    }

    private static async Task<CompleteSignalFile> NextAsync(SignalFolderWatcher watcher)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await watcher.Ready.ReadAsync(timeout.Token);
    }

    private static async Task<bool> NothingWithinAsync(SignalFolderWatcher watcher, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            await watcher.Ready.WaitToReadAsync(timeout.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Finished_files_in_a_minknow_layout_are_handed_out_and_reports_are_ignored()
    {
        var pod5 = _folders.Put(TestFolders.Data("formats", "pod5", "r10_4khz_four_reads.pod5"), Path.Combine("run1", "pod5_pass", "PAK_pass_0.pod5"));
        var fast5 = _folders.Put(TestFolders.SampleFiles(1)[0], Path.Combine("run1", "fast5_pass", "FAK_pass_0.fast5"));
        var blow5 = _folders.Put(TestFolders.Data("formats", "blow5", "r10_4khz_four_reads.blow5"), Path.Combine("run1", "reads.blow5"));
        File.WriteAllText(Path.Combine(_folders.Input, "run1", "report_PAK.md"), "# a MinKNOW report, not signal");
        File.WriteAllText(Path.Combine(_folders.Input, "run1", ".hidden.pod5"), "");
        var watcher = Start();

        var found = new List<CompleteSignalFile> { await NextAsync(watcher), await NextAsync(watcher), await NextAsync(watcher) };

        Assert.Equal(new[] { blow5, fast5, pod5 }.Order(), found.Select(f => f.Path).Order());
        Assert.Equal(SignalFormat.Pod5, found.Single(f => f.Path == pod5).Format);
        Assert.Equal(4, found.Single(f => f.Path == pod5).Reads);
        Assert.Equal(1, found.Single(f => f.Path == fast5).Reads);
        Assert.True(await NothingWithinAsync(watcher, TimeSpan.FromSeconds(2)));
        Assert.Empty(_setAside);
    }

    [Fact]
    public async Task File_still_being_written_is_handed_out_only_once_it_is_whole()
    {
        var watcher = Start(TimeSpan.FromSeconds(1));
        var bytes = await File.ReadAllBytesAsync(TestFolders.Data("formats", "pod5", "r10_4khz_four_reads.pod5"));
        var path = Path.Combine(_folders.Input, "pod5", "slow.pod5");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
        {
            for (var offset = 0; offset < bytes.Length; offset += bytes.Length / 5 + 1)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(bytes.Length / 5 + 1, bytes.Length - offset)));
                await stream.FlushAsync();
                await Task.Delay(300); // pauses shorter than the stability delay
            }
        }
        var found = await NextAsync(watcher);
        Assert.Equal(path, found.Path);
        Assert.Equal(bytes.Length, found.Size);
        Assert.Equal(4, found.Reads);
        Assert.Empty(_setAside);
        Assert.Null(_journal.Find(path));
    }

    [Fact]
    public async Task Truncated_file_is_set_aside_in_the_journal_and_retried_when_it_changes()
    {
        var bytes = await File.ReadAllBytesAsync(TestFolders.Data("formats", "blow5", "r10_4khz_four_reads.blow5"));
        var path = Path.Combine(_folders.Input, "cut.blow5");
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length * 2 / 3)]);
        var watcher = Start();

        // The journal records the failure first (so a crash cannot lose it), then the set-aside callback runs: wait for both.
        await WaitUntilAsync(() => _journal.Find(path) is { State: FileState.Failed } && SetAsideCount() > 0);
        var entry = _journal.Find(path)!;
        Assert.Contains("cut.blow5", entry.Error);
        Assert.Equal(bytes.Length * 2 / 3, entry.Size);
        lock (_setAside) Assert.Equal(path, Assert.Single(_setAside).Path);
        Assert.True(await NothingWithinAsync(watcher, TimeSpan.FromSeconds(2)), "a damaged file must not be retried while it stays the same");

        await File.WriteAllBytesAsync(path, bytes);
        var found = await NextAsync(watcher);
        Assert.Equal(path, found.Path);
        Assert.Equal(4, found.Reads);
    }

    [Fact]
    public async Task File_the_journal_settled_with_the_same_size_and_time_is_not_handed_out_again()
    {
        var done = _folders.Put(TestFolders.SampleFiles(1)[0], "done.fast5");
        var changed = _folders.Put(TestFolders.SampleFiles(2)[1], "changed.fast5");
        var info = new FileInfo(done);
        _journal.RecordDone(new CommittedFile(done, info.Length, info.LastWriteTimeUtc, "x", [], 0, null, null));
        _journal.RecordFailed(changed, 1, DateTime.UnixEpoch, "was truncated once", null);
        var watcher = Start();

        var found = await NextAsync(watcher);
        Assert.Equal(changed, found.Path);
        Assert.True(await NothingWithinAsync(watcher, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Abandoned_file_is_handed_out_again()
    {
        var path = _folders.Put(TestFolders.SampleFiles(1)[0], "a.fast5");
        var watcher = Start();
        var first = await NextAsync(watcher);
        watcher.Settle(first, FileSettlement.Abandoned);
        var again = await NextAsync(watcher);
        Assert.Equal(path, again.Path);
        watcher.Settle(again, FileSettlement.Done);
        Assert.True(await NothingWithinAsync(watcher, TimeSpan.FromSeconds(2)));
    }

    private int SetAsideCount()
    {
        lock (_setAside) return _setAside.Count;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }
}
