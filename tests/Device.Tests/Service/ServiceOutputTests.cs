using System.Globalization;
using System.Text;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Signal;
using Dipper.Basecaller.Tests.Output;
using Dipper.Device.Commands;
using Dipper.Device.Journal;
using Dipper.Device.Service;

namespace Dipper.Device.Tests.Service;

/// <summary><c>dipperd run</c>'s Output settings on real reads: BAM, MinKNOW's pass/fail folders, the run's sequencing summary.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class ServiceOutputTests : IDisposable
{
    private readonly TestFolders _folders = new("dipper-outputs-");

    public void Dispose() => _folders.Dispose();

    [Fact]
    public async Task Min_qscore_splits_reads_into_MinKNOWs_pass_and_fail_folders_and_the_summary_says_which()
    {
        // The five sample reads, called greedily, have mean qualities of about 6.6 to 7.4: Q7 splits them.
        const double threshold = 7;
        var inputs = TestFolders.SampleFiles(5).Select(f => _folders.Put(f, Path.Combine("run1", "fast5_pass", Path.GetFileName(f)))).ToList();
        await using (var service = await InProcessService.StartAsync(
            _folders.Settings("--Output:Format=bam", "--Output:EmitMoves=true") with { MinQScore = threshold }))
        {
            await service.WaitUntilAsync(t => t.FilesDone == 5);
        }

        var run = Path.Combine(_folders.Output, "run1");
        Assert.Equal(["bam_fail", "bam_pass"], Directory.GetDirectories(run).Select(Path.GetFileName).Order());
        var passed = new Dictionary<string, double>();
        var failed = new Dictionary<string, double>();
        foreach (var input in inputs)
        {
            var name = Path.GetFileName(input) + ".bam";
            var pass = Path.Combine(run, "bam_pass", name);
            Samtools.QuickCheck(pass); // always written, even empty: its name marks the file's outputs complete
            foreach (var record in Samtools.View(pass)) passed.Add(record[0], Quality(record));
            var fail = Path.Combine(run, "bam_fail", name);
            if (File.Exists(fail))
            {
                Samtools.QuickCheck(fail);
                var records = Samtools.View(fail);
                Assert.NotEmpty(records); // made only for a file with failing reads
                foreach (var record in records) failed.Add(record[0], Quality(record));
            }
        }
        Assert.NotEmpty(passed);
        Assert.NotEmpty(failed);
        Assert.Equal(5, passed.Count + failed.Count);
        Assert.All(passed.Values, q => Assert.True(q >= threshold, $"Q{q} in bam_pass"));
        Assert.All(failed.Values, q => Assert.True(q < threshold, $"Q{q} in bam_fail"));

        var lines = File.ReadAllLines(Path.Combine(run, SequencingSummary.FileName));
        var column = SequencingSummary.Columns.ToList();
        var verdicts = lines.Skip(1).Select(l => l.Split('\t')).ToDictionary(f => f[column.IndexOf("read_id")], f => f[column.IndexOf("passes_filtering")]);
        Assert.Equal(5, verdicts.Count);
        foreach (var id in passed.Keys) Assert.Equal("TRUE", verdicts[id]);
        foreach (var id in failed.Keys) Assert.Equal("FALSE", verdicts[id]);
    }

    [Fact]
    public async Task Bam_renamed_into_place_before_its_journal_commit_was_lost_is_adopted_and_its_summary_lines_appended()
    {
        var input = _folders.Put(TestFolders.SampleFiles(1)[0], Path.Combine("run1", "fast5_pass", "a.fast5"));
        string readId;
        await using (var reader = SignalFile.Open(input))
        {
            readId = (await reader.ReadAllAsync().FirstAsync()).ReadId;
        }
        // What a process killed between the rename and the journal's commit leaves: the lines kept, the BAM in place.
        var layout = new OutputLayout([_folders.Input], _folders.Output, new OutputOptions { Format = "bam" });
        var read = new CalledRead(new Read(readId, new short[4000], new SignalCalibration(0, 1), 4000) { SourcePath = input, RunId = "run7" },
            new DecodedSequence("ACGT", "++++"), "m");
        var line = new StringBuilder();
        SequencingSummary.AppendLine(line, read, passed: true);
        using (var journal = CallJournal.Open(_folders.State)) journal.SaveSummaryLines(input, layout.SummaryFor(input)!, line.ToString());
        using (var file = layout.Open(input))
        {
            file.Write(read);
            file.Commit();
        }
        var output = layout.OutputFor(input)!;
        var written = File.GetLastWriteTimeUtc(output);

        await using (var service = await InProcessService.StartAsync(_folders.Settings("--Output:Format=bam")))
        {
            await service.WaitUntilAsync(t => t.FilesDone == 1);
            Assert.Equal([readId], service.Journal.ReadIds(input));
            Assert.Equal(0, service.State.CommittedFiles); // adopted, not called
        }
        Assert.Equal(written, File.GetLastWriteTimeUtc(output));
        Assert.Equal(SequencingSummary.HeaderLine + line, File.ReadAllText(layout.SummaryFor(input)!));
    }

    [Fact]
    public async Task Bad_output_settings_stop_the_start_with_exit_2_naming_each()
    {
        var errors = new StringWriter();
        var exit = await RunCommand.RunAsync(_folders.Settings("--Output:Format=vcf"), errors);
        Assert.Equal(2, exit);
        Assert.Contains("Output:Format: unknown format 'vcf' (known: fastq, fasta, sam, bam, cram)", errors.ToString());

        errors = new StringWriter();
        exit = await RunCommand.RunAsync(_folders.Settings("--Output:EmitMoves=true") with { MinQScore = -1 }, errors);
        Assert.Equal(2, exit);
        Assert.Contains("Output:EmitMoves needs a SAM, BAM or CRAM output (Output:Format), not fastq", errors.ToString());
        Assert.Contains("Output:MinQScore must be 0 (no filter) to 60, not -1", errors.ToString());
    }

    [Fact]
    public async Task Without_htslib_basecall_to_bam_and_a_bam_service_stop_naming_the_Debian_package()
    {
        // DIPPER_HTS_LIB points htslib's loading at a file that is not there: htslib is missing, as on a box without libhts3.
        var missing = new Dictionary<string, string> { ["DIPPER_HTS_LIB"] = Path.Combine(_folders.Root, "libhts.so.3") };
        var bam = Path.Combine(_folders.Root, "calls.bam");
        using (var basecall = new DipperdProcess(["basecall", TestFolders.SampleFiles(1)[0], "-o", bam], missing))
        {
            Assert.True(await basecall.WaitForExitAsync(TimeSpan.FromSeconds(60)), basecall.Output);
            Assert.Equal(1, basecall.ExitCode);
            Assert.Contains("needs htslib (libhts.so.3), which is not installed: apt-get install libhts3", basecall.Output);
        }
        Assert.Empty(Directory.GetFiles(_folders.Root, "calls.bam*"));

        using var run = new DipperdProcess(["run", "--input", _folders.Input, "--output", _folders.Output, "--state", _folders.State,
            "--config", _folders.Config, "--status-port", "0", "--Output:Format=bam"], missing);
        Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(60)), run.Output);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Output:Format bam: SAM/BAM/CRAM output needs htslib (libhts.so.3), which is not installed: apt-get install libhts3", run.Output);
    }

    private static double Quality(string[] record) => double.Parse(Samtools.Tag(record, "qs")!, CultureInfo.InvariantCulture);
}
