using System.Globalization;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Tests.Output;
using Dipper.Device.Commands;

namespace Dipper.Device.Tests.Commands;

/// <summary>
/// <c>dipperd basecall -o NAME.bam</c> on real reads with the bundled model, judged by the real samtools: it reads every
/// record, its FASTQ conversion is our FASTQ read for read, and the move tables fit the bases and the signal.
/// </summary>
public sealed class BamOutputTests : IDisposable
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples", "r94-ecoli", "fast5");
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-bam-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string[] SampleFiles(int count) =>
        Directory.GetFiles(Samples, "*.fast5").Order(StringComparer.Ordinal).Take(count).ToArray();

    private async Task<string> CallAsync(string name, bool moves = false, string? sequencingSummary = null, int files = 3)
    {
        var output = Path.Combine(_folder, name);
        var errors = new StringWriter();
        var exit = await BasecallCommand.RunAsync(new BasecallSettings
        {
            Inputs = SampleFiles(files), Output = output, Threads = 2, EmitMoves = moves, SequencingSummary = sequencingSummary,
        }, errors, CancellationToken.None);
        Assert.True(exit == 0, errors.ToString());
        return output;
    }

    [Fact]
    public async Task Samtools_fastq_of_our_bam_is_our_fastq_read_for_read()
    {
        var fastq = FastqRecord.ReadAll(await CallAsync("calls.fastq"));
        var bam = await CallAsync("calls.bam");

        Samtools.QuickCheck(bam);
        Assert.Equal(3, Samtools.View(bam).Count);
        var (exit, text, errors) = Samtools.Run("fastq", bam);
        Assert.True(exit == 0, errors);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var converted = Enumerable.Range(0, lines.Length / 4)
            .ToDictionary(i => lines[4 * i][1..].Split('\t')[0], i => (Bases: lines[4 * i + 1], Qualities: lines[4 * i + 3]));
        Assert.Equal(fastq.Count, converted.Count);
        foreach (var record in fastq) Assert.Equal((record.Bases, record.Qualities), converted[record.ReadId]);
    }

    [Fact]
    public async Task Move_table_sums_to_the_sequence_length_and_spans_the_samples_used()
    {
        var bam = await CallAsync("calls.bam", moves: true);
        var stride = ModelPackage.Load(Path.Combine(AppContext.BaseDirectory, "models", "sbonito")).Manifest.Stride;
        var records = Samtools.View(bam);
        Assert.Equal(3, records.Count);
        foreach (var record in records)
        {
            var mv = Samtools.Tag(record, "mv")!.Split(',');
            Assert.Equal("c", mv[0]); // int8 array
            Assert.Equal(stride, int.Parse(mv[1], CultureInfo.InvariantCulture));
            var moves = mv[2..].Select(m => int.Parse(m, CultureInfo.InvariantCulture)).ToList();
            Assert.All(moves, m => Assert.InRange(m, 0, 1));
            Assert.Equal(record[9].Length, moves.Sum());
            var samples = int.Parse(Samtools.Tag(record, "ns")!, CultureInfo.InvariantCulture);
            // One entry per frame of the whole read: its samples rounded up to a whole stride.
            Assert.InRange(moves.Count * stride, samples, samples + stride - 1);
        }
    }

    [Fact]
    public async Task Sequencing_summary_has_one_line_per_read_agreeing_with_the_calls()
    {
        var summaryPath = Path.Combine(_folder, "sequencing_summary.txt");
        var fastq = FastqRecord.ReadAll(await CallAsync("calls.fastq", sequencingSummary: summaryPath));
        var lines = File.ReadAllLines(summaryPath);
        Assert.Equal(string.Join('\t', SequencingSummary.Columns), lines[0]);
        var rows = lines.Skip(1).Select(l => SequencingSummary.Columns.Zip(l.Split('\t')).ToDictionary(c => c.First, c => c.Second))
            .ToDictionary(r => r["read_id"]);
        Assert.Equal(fastq.Select(r => r.ReadId).Order(), rows.Keys.Order());
        var inv = CultureInfo.InvariantCulture;
        foreach (var record in fastq)
        {
            var row = rows[record.ReadId];
            Assert.Equal(record.Bases.Length.ToString(inv), row["sequence_length_template"]);
            Assert.Equal(MeanQuality.Of(record.Qualities), double.Parse(row["mean_qscore_template"], inv), 6);
            Assert.Equal(record.Fields["ch"], row["channel"]);
            Assert.Equal(record.Fields["runid"], row["run_id"]);
            Assert.Equal(record.Fields["start_time"], double.Parse(row["start_time"], inv).ToString("0.####", inv));
            Assert.EndsWith(".fast5", row["filename"]);
            var samples = long.Parse(row["num_samples"], inv);
            Assert.Equal(samples / 4000.0, double.Parse(row["duration"], inv), 5); // 4 kHz R9.4.1 reads
        }
    }

    [Fact]
    public async Task Emit_moves_without_a_sam_bam_or_cram_output_is_a_usage_error()
    {
        var errors = new StringWriter();
        var exit = await BasecallCommand.RunAsync(new BasecallSettings { Inputs = SampleFiles(1), Output = Path.Combine(_folder, "calls.fastq"), EmitMoves = true },
            errors, CancellationToken.None);
        Assert.Equal(2, exit);
        Assert.Contains("--emit-moves needs a SAM, BAM or CRAM output", errors.ToString());
        Assert.Empty(Directory.GetFiles(_folder));
    }
}
