using System.Net.Http;
using Dipper.Basecaller.Tests.Output;
using Dipper.Device.Gpio;
using Dipper.Device.Service;
using Xunit.Abstractions;

namespace Dipper.Device.Tests.Service;

/// <summary>
/// The service when its output folder cannot take the calls: a full disk (a real 64 KB tmpfs) and a vanished
/// folder (a USB disk pulled). Calling pauses instead of calling the same files again and again, the phase and the
/// problems say why, and once the folder takes writes again every read arrives exactly once.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed class OutputStorageTests(ITestOutputHelper log) : IDisposable
{
    private const int Files = 32;
    private const int FilesInFlight = 4;
    private readonly TestFolders _folders = new("dipper-storage-");
    private bool _mounted;
    private string _format = "fastq";

    public void Dispose()
    {
        if (_mounted) Tmpfs.Unmount(_folders.Output);
        _folders.Dispose();
    }

    [TmpfsFact]
    public Task Full_output_disk_pauses_calling_and_every_read_arrives_exactly_once_when_there_is_room() => FullDiskAsync("fastq");

    [TmpfsFact]
    public Task Full_output_disk_with_bam_outputs_pauses_calling_and_every_read_arrives_exactly_once() => FullDiskAsync("bam");

    private async Task FullDiskAsync(string format)
    {
        _format = format;
        Directory.CreateDirectory(_folders.Output);
        Assert.True(Tmpfs.TryMount(_folders.Output, "64k", out var error), error);
        _mounted = true;
        var inputs = PutFiles();

        await using var service = await InProcessService.StartAsync(Settings());
        await WaitForAsync(() => service.State.Phase == ServicePhase.DiskFull, service, "the disk-full phase");
        var committedWhenFull = service.Journal.Totals().FilesDone;
        Assert.InRange(committedWhenFull, 1, Files - 1);

        // Files in flight when the disk filled finish (and fail); after that nothing is called while there is no room.
        await WaitForAsync(() => service.State.FilesInFlight == 0, service, "the files in flight to finish");
        var loaded = service.State.Counters!.ReadsLoaded;
        var batches = service.State.Counters!.Batches;
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal(ServicePhase.DiskFull, service.State.Phase);
        Assert.Equal(loaded, service.State.Counters!.ReadsLoaded);
        Assert.Equal(batches, service.State.Counters!.Batches);
        log.WriteLine($"{committedWhenFull} files fitted; {loaded} reads loaded and {batches} batches before the pause held");

        var full = Assert.Single(service.State.Problems.Snapshot(), p => p.Message.Contains("is full"));
        Assert.Contains(_folders.Output, full.Message);
        Assert.DoesNotContain(service.State.Problems.Snapshot(), p => p != full && p.Message.Contains(_folders.Output));
        Assert.Equal(ApplianceStatus.DiskFull, ApplianceStatusRule.From(service.State.Phase, 0, 10, 10));
        using (var http = new HttpClient { BaseAddress = service.StatusAddress })
        {
            var metrics = await http.GetStringAsync("metrics");
            Assert.Contains("phase=\"diskfull\"} 1", metrics);
            Assert.Contains("dipper_service_storage_available", metrics);
            var status = await http.GetStringAsync("status");
            Assert.Contains("\"phase\":\"diskfull\"", status);
            Assert.Contains("\"role\":\"output\"", status);
        }

        Tmpfs.Resize(_folders.Output, "8m");
        await service.WaitUntilAsync(t => t.FilesDone == Files);

        Assert.Equal(ServicePhase.Running, service.State.Phase);
        AssertEveryReadOnce(inputs);
        // Each file called a bounded number of times: the ones that fitted once, the others at most twice (the try
        // that hit the full disk, among the files in flight then, and the one that worked).
        Assert.InRange(service.State.Counters!.ReadsLoaded, Files, Files + FilesInFlight + 1);
    }

    [TmpfsFact]
    public async Task Read_only_output_folder_pauses_calling_and_calling_resumes_when_it_is_writable_again()
    {
        Directory.CreateDirectory(_folders.Output);
        Assert.True(Tmpfs.TryMount(_folders.Output, "8m", out var error), error);
        _mounted = true;
        var first = PutFiles(count: 2);
        await using var service = await InProcessService.StartAsync(Settings());
        await service.WaitUntilAsync(t => t.FilesDone == 2);

        Tmpfs.Remount(_folders.Output, "ro");
        var later = PutFiles(count: 4, from: 2);
        await WaitForAsync(() => service.State.Phase == ServicePhase.FolderUnavailable, service, "the folder-unavailable phase");
        await WaitForAsync(() => service.State.FilesInFlight == 0, service, "the files in flight to finish");
        var loaded = service.State.Counters!.ReadsLoaded;
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(loaded, service.State.Counters!.ReadsLoaded);
        Assert.Contains("read-only or gone", Assert.Single(service.State.Problems.Snapshot(), p => p.Message.Contains(_folders.Output)).Message);

        Tmpfs.Remount(_folders.Output, "rw");
        await service.WaitUntilAsync(t => t.FilesDone == 6);
        Assert.Equal(ServicePhase.Running, service.State.Phase);
        AssertEveryReadOnce([.. first, .. later]);
    }

    [Fact]
    public async Task Vanished_output_folder_pauses_calling_is_not_created_again_and_calling_resumes_when_it_is_back()
    {
        var first = PutFiles(count: 2);
        await using var service = await InProcessService.StartAsync(Settings());
        await service.WaitUntilAsync(t => t.FilesDone == 2);

        // The USB disk is pulled: the output folder is gone.
        var away = _folders.Output + "-pulled";
        Directory.Move(_folders.Output, away);
        var later = PutFiles(count: 4, from: 2);
        await WaitForAsync(() => service.State.Phase == ServicePhase.FolderUnavailable, service, "the folder-unavailable phase");
        await WaitForAsync(() => service.State.FilesInFlight == 0, service, "the files in flight to finish");
        var loaded = service.State.Counters!.ReadsLoaded;
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(loaded, service.State.Counters!.ReadsLoaded);
        Assert.False(Directory.Exists(_folders.Output), "the output folder was created again on the disk beneath");
        var gone = Assert.Single(service.State.Problems.Snapshot(), p => p.Message.Contains("read-only or gone"));
        Assert.True(gone.Count >= 1);
        Assert.Equal(ApplianceStatus.Error, ApplianceStatusRule.From(service.State.Phase, 0, 4, 4));

        Directory.Move(away, _folders.Output);
        await service.WaitUntilAsync(t => t.FilesDone == 6);
        Assert.Equal(ServicePhase.Running, service.State.Phase);
        AssertEveryReadOnce([.. first, .. later]);
        Assert.Equal(6, service.State.Counters!.ReadsLoaded);
    }

    private RunSettings Settings() => _folders.Settings(
        $"--Service:FilesInFlight={FilesInFlight}", "--Service:StorageRetryDelay=00:00:00.250", "--Service:StorageRetryMaxDelay=00:00:01",
        $"--Output:Format={_format}");

    /// <summary>Signal files of one read each (the sample reads, each copied under several names).</summary>
    private List<string> PutFiles(int count = Files, int from = 0)
    {
        var samples = TestFolders.SampleFiles(10);
        return Enumerable.Range(from, count).Select(i => _folders.Put(samples[i % samples.Length], $"r{i:D2}.fast5")).ToList();
    }

    private void AssertEveryReadOnce(IReadOnlyList<string> inputs)
    {
        Assert.Empty(Directory.GetFiles(_folders.Output, "*.partial", SearchOption.AllDirectories));
        var extension = _format == "bam" ? ".bam" : ".fastq.gz";
        Assert.Equal(inputs.Count, Directory.GetFiles(_folders.Output, "*" + extension, SearchOption.AllDirectories).Length);
        foreach (var input in inputs)
        {
            var output = Path.Combine(_folders.Output, Path.GetFileName(input) + extension);
            if (_format == "bam") Samtools.QuickCheck(output);
            var reads = _format == "bam" ? Samtools.View(output).Select(r => r[0]).ToList() : GzFastq.Read(output).Select(r => r.ReadId).ToList();
            Assert.Single(reads);
        }
        // And each read's line once in the summary, though the disk filled while lines were appended too. The lines follow
        // the journal's commit, which the test waited for: give the last ones a moment.
        var path = Path.Combine(_folders.Output, Basecaller.Output.SequencingSummary.FileName);
        for (var waited = 0; waited < 10_000 && (!File.Exists(path) || File.ReadAllLines(path).Length <= inputs.Count); waited += 50) Thread.Sleep(50);
        var summary = File.ReadAllLines(path);
        Assert.Equal(inputs.Count, summary.Length - 1);
        Assert.Equal(inputs.Select(Path.GetFileName).Order(StringComparer.Ordinal), summary.Skip(1).Select(l => l.Split('\t')[0]).Order(StringComparer.Ordinal));
    }

    private static async Task WaitForAsync(Func<bool> condition, InProcessService service, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; phase {service.State.Phase}, journal {service.Journal.Totals()}, " +
                $"problems: {string.Join(" | ", service.State.Problems.Snapshot().Select(p => $"{p.Message} ×{p.Count}"))}");
            await Task.Delay(50);
        }
    }
}
