using Dipper.Basecaller.Output;
using Dipper.Basecaller.Signal;
using Dipper.Basecaller.Tests.Output;
using Dipper.Device.Commands;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Dipper.Device.Tests.Service;

/// <summary>
/// The appliance's promise, tested the hard way: <c>dipperd run</c> as a real process, signal files arriving
/// over time (one written slowly in pieces, one with a pause long enough to be taken for truncated, one truncated
/// for good), the process SIGKILLed three times at random (seeded) moments and restarted, then stopped with SIGTERM.
/// Every read of every good file must be in that file's output (FASTQ.gz, or BAM that samtools reads) exactly once,
/// called as a one-shot <c>dipperd basecall</c> calls it, and its line in the run's sequencing summary exactly once,
/// with no unfinished output left and the truncated file set aside.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed class CrashTests(ITestOutputHelper log) : IDisposable
{
    private const int Seed = 20261127;
    private readonly TestFolders _folders = new("dipper-crash-");
    private readonly List<DipperdProcess> _runs = [];
    private string _format = "fastq";

    public void Dispose()
    {
        foreach (var run in _runs) run.Dispose();
        _folders.Dispose();
    }

    [Theory]
    [InlineData("fastq", ".fastq.gz")]
    [InlineData("bam", ".bam")]
    public async Task Three_SIGKILLs_at_random_moments_lose_no_read_and_duplicate_none(string format, string extension)
    {
        _format = format;
        var fast5 = TestFolders.SampleFiles(10);
        var pod5 = TestFolders.Data("formats", "pod5", "r10_4khz_four_reads.pod5");
        var blow5 = TestFolders.Data("formats", "blow5", "r10_4khz_four_reads.blow5");
        var good = fast5.Select(f => (Source: f, Relative: Path.Combine("run1", "fast5_pass", Path.GetFileName(f))))
            .Append((Source: pod5, Relative: Path.Combine("run1", "pod5", "PAQ00001_pass_0.pod5")))
            .Append((Source: blow5, Relative: Path.Combine("run1", "blow5", "reads_0.blow5")))
            .ToList();
        var truncated = Path.Combine(_folders.Input, "run1", "fast5_pass", "truncated_0.fast5");
        var expected = await OneShotCallsAsync(good.Select(g => g.Source).Distinct().ToList());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var feeding = Task.Run(() => FeedAsync(good, truncated, new Random(Seed + 1)));
        var random = new Random(Seed);
        var killsDuringWrites = 0;
        for (var kill = 1; kill <= 3; kill++)
        {
            var run = Start();
            var after = TimeSpan.FromMilliseconds(random.Next(1500, 4000));
            await Task.Delay(after);
            // Then, within the next 3 s, a random moment while outputs are being written, if any are.
            var extra = TimeSpan.FromMilliseconds(random.Next(0, 100));
            for (var waited = 0; waited < 3000 && Unfinished() == 0; waited += 10) await Task.Delay(10);
            await Task.Delay(extra);
            await run.KillAsync();
            var unfinished = Unfinished(); // left on disk by the killed process: the next start must delete them
            if (unfinished > 0) killsDuringWrites++;
            log.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: SIGKILL {kill} left {unfinished} unfinished output(s); " +
                $"settled so far: {string.Join(", ", States().GroupBy(s => s.Value).Select(g => $"{g.Count()} {g.Key}"))}");
        }
        Assert.True(killsDuringWrites > 0, "no SIGKILL landed while an output was being written");
        await feeding;
        var last = Start();
        Assert.True(await last.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60)), last.Output);
        var inputs = good.Select(g => Path.Combine(_folders.Input, g.Relative)).ToList();
        await WaitUntilAsync(() =>
        {
            var states = States();
            return inputs.All(i => states.GetValueOrDefault(i) == "done") && states.GetValueOrDefault(truncated) == "failed";
        }, TimeSpan.FromSeconds(90));
        var exit = await last.TerminateAsync(TimeSpan.FromSeconds(30));
        log.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: all settled; SIGTERM → exit {exit}");
        Assert.Equal(0, exit);

        Assert.Empty(Directory.GetFiles(_folders.Output, "*.partial", SearchOption.AllDirectories));
        var summary = Path.Combine(_folders.Output, "run1", SequencingSummary.FileName);
        var outputs = Directory.GetFiles(_folders.Output, "*", SearchOption.AllDirectories).Where(f => f != summary).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(good.Select(g => Path.Combine(_folders.Output, g.Relative + extension)).Order(StringComparer.Ordinal), outputs);
        var reads = 0;
        var written = new List<string>();
        var summaryLines = File.ReadAllLines(summary);
        Assert.Equal(string.Join('\t', SequencingSummary.Columns), summaryLines[0]);
        var summarised = summaryLines.Skip(1).Select(l => l.Split('\t')[1]).ToList();
        foreach (var (source, relative) in good)
        {
            var output = Path.Combine(_folders.Output, relative + extension);
            var records = format == "bam" ? Bam(output) : GzFastq.Read(output);
            var ids = await ReadIdsAsync(source);
            Assert.Equal(ids.Order(StringComparer.Ordinal), records.Select(r => r.ReadId).Order(StringComparer.Ordinal));
            foreach (var (id, bases) in records) Assert.True(expected[id].Contains(bases), $"{relative}: read {id} differs from the one-shot call");
            reads += records.Count;
            written.AddRange(records.Select(r => r.ReadId));
        }
        Assert.Equal(18, reads);
        // Each read written has its line once (the POD5 and BLOW5 hold the same four reads: each of those twice, once per file).
        Assert.Equal(written.Order(StringComparer.Ordinal), summarised.Order(StringComparer.Ordinal));
        var error = Error(truncated);
        Assert.Contains("truncated_0.fast5", error);
        log.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {outputs.Count} outputs, {reads} reads each exactly once; set aside: {error}");
    }

    /// <summary>The reads of a BAM as samtools reads them, after samtools' own check that the file is whole.</summary>
    private static List<(string ReadId, string Bases)> Bam(string path)
    {
        Samtools.QuickCheck(path);
        return Samtools.View(path).Select(r => (r[0], r[9])).ToList();
    }

    private int Unfinished() =>
        Directory.Exists(_folders.Output) ? Directory.GetFiles(_folders.Output, "*.partial", SearchOption.AllDirectories).Length : 0;

    private DipperdProcess Start()
    {
        var run = new DipperdProcess(
        [
            "run", "--input", _folders.Input, "--output", _folders.Output, "--state", _folders.State, "--config", _folders.Config,
            "--greedy", "--threads", "1", "--status-port", "0",
            "--Service:StabilityDelay=00:00:01", "--Service:RescanInterval=00:00:02", "--Service:FilesInFlight=2",
            // The POD5 and BLOW5 are the R10.4.1 test runs, here for their formats: crash safety does not depend on the chemistry.
            "--ignore-chemistry",
            $"--Output:Format={_format}",
        ]);
        _runs.Add(run);
        return run;
    }

    /// <summary>The files arrive over about ten seconds, in a random order, the way a sequencer writes them.</summary>
    private async Task FeedAsync(List<(string Source, string Relative)> good, string truncated, Random random)
    {
        var order = good.Take(10).OrderBy(_ => random.Next()).ToList();
        for (var i = 0; i < order.Count; i++)
        {
            _folders.Put(order[i].Source, order[i].Relative);
            await Task.Delay(random.Next(100, 700));
            if (i == 2)
            {
                // POD5 written in five pieces, 300 ms apart: shorter pauses than the stability delay.
                await WriteInPiecesAsync(good[10].Source, good[10].Relative, 5, TimeSpan.FromMilliseconds(300));
            }
            if (i == 5)
            {
                // BLOW5 with a 2.5 s pause after 60 %: set aside as truncated, then called once it is whole.
                await WriteInPiecesAsync(good[11].Source, good[11].Relative, 2, TimeSpan.FromMilliseconds(2500), firstFraction: 0.6);
                var bytes = await File.ReadAllBytesAsync(good[3].Source);
                await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
            }
        }
    }

    private async Task WriteInPiecesAsync(string source, string relative, int pieces, TimeSpan pause, double? firstFraction = null)
    {
        var bytes = await File.ReadAllBytesAsync(source);
        var target = Path.Combine(_folders.Input, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await using var stream = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
        var cuts = firstFraction is { } f
            ? new[] { 0, (int)(bytes.Length * f), bytes.Length }
            : Enumerable.Range(0, pieces + 1).Select(k => (int)((long)bytes.Length * k / pieces)).ToArray();
        for (var k = 1; k < cuts.Length; k++)
        {
            await stream.WriteAsync(bytes.AsMemory(cuts[k - 1], cuts[k] - cuts[k - 1]));
            await stream.FlushAsync();
            if (k < cuts.Length - 1) await Task.Delay(pause);
        }
    }

    /// <summary>Read id → sequences from a one-shot <c>dipperd basecall</c> with the service's settings (ONNX, greedy, one thread, chemistry ignored).</summary>
    private async Task<Dictionary<string, HashSet<string>>> OneShotCallsAsync(List<string> sources)
    {
        var output = Path.Combine(_folders.Root, "one-shot.fastq");
        var errors = new StringWriter();
        var exit = await BasecallCommand.RunAsync(new BasecallSettings { Inputs = sources, Output = output, Greedy = true, Threads = 1, Engine = "onnx", IgnoreChemistry = true }, errors, CancellationToken.None);
        Assert.True(exit == 0, errors.ToString());
        var lines = await File.ReadAllLinesAsync(output);
        var calls = new Dictionary<string, HashSet<string>>();
        for (var i = 0; i < lines.Length; i += 4)
        {
            var id = lines[i][1..].Split(' ')[0];
            if (!calls.TryGetValue(id, out var set)) calls[id] = set = [];
            set.Add(lines[i + 1]);
        }
        return calls;
    }

    private static async Task<List<string>> ReadIdsAsync(string path)
    {
        var ids = new List<string>();
        await using var reader = SignalFile.Open(path);
        await foreach (var read in reader.ReadAllAsync()) ids.Add(read.ReadId);
        return ids;
    }

    /// <summary>The journal's state of each file, read while the service runs (read-only, beside its writer).</summary>
    private Dictionary<string, string> States()
    {
        var database = Path.Combine(_folders.State, "journal.db");
        var states = new Dictionary<string, string>();
        if (!File.Exists(database)) return states;
        try
        {
            using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT path, state FROM files";
            using var reader = command.ExecuteReader();
            while (reader.Read()) states[reader.GetString(0)] = reader.GetString(1);
        }
        catch (SqliteException)
        {
            // being created by the service right now
        }
        return states;
    }

    private string Error(string path)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folders.State, "journal.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT error FROM files WHERE path = $path AND state = 'failed'";
        command.Parameters.AddWithValue("$path", path);
        return command.ExecuteScalar() as string ?? "";
    }

    private async Task WaitUntilAsync(Func<bool> condition, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                for (var i = 0; i < _runs.Count; i++) log.WriteLine($"--- run {i + 1} ---\n{_runs[i].Output}");
                Assert.Fail($"not all files settled in {patience.TotalSeconds} s: {string.Join(", ", States().Select(kv => $"{Path.GetFileName(kv.Key)}={kv.Value}"))}");
            }
            await Task.Delay(200);
        }
    }
}
