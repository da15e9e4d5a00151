using System.CommandLine;
using System.Text.Json;
using Dipper.Basecaller.CommandLine;
using Dipper.Basecaller.Decoding;
using Dipper.Device.Commands;
using Xunit.Abstractions;

namespace Dipper.Device.Tests.Commands;

/// <summary>
/// Runs <c>dipperd basecall</c> in-process on real reads with the bundled model (copied into the
/// test's output folder by the build, like the sample reads).
/// </summary>
public sealed class BasecallCommandTests(ITestOutputHelper log) : IDisposable
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples", "r94-ecoli", "fast5");
    private static readonly string Reference = Path.Combine(AppContext.BaseDirectory, "data", "reference", "sbonito");
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-basecall-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string[] SampleFiles(int count) =>
        Directory.GetFiles(Samples, "*.fast5").Order(StringComparer.Ordinal).Take(count).ToArray();

    private async Task<(int Exit, string Errors)> Run(BasecallSettings settings)
    {
        var errors = new StringWriter();
        var exit = await BasecallCommand.RunAsync(settings, errors, CancellationToken.None);
        return (exit, errors.ToString());
    }

    [Fact]
    public async Task Sample_reads_give_fastq_with_header_fields_qualities_and_a_summary()
    {
        var output = Path.Combine(_folder, "calls.fastq");
        var summaryPath = Path.Combine(_folder, "summary.json");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = SampleFiles(2), Output = output, Summary = summaryPath, Threads = 2 });

        Assert.True(exit == 0, errors);
        Assert.Contains("engine onnx (auto)", errors);
        var records = FastqRecord.ReadAll(output);
        Assert.Equal(2, records.Count);
        foreach (var record in records)
        {
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", record.ReadId);
            Assert.Matches("^[ACGT]{1000,}$", record.Bases);
            Assert.Equal(record.Bases.Length, record.Qualities.Length);
            Assert.All(record.Qualities, q => Assert.InRange(q, '"', 'S')); // Phred 1..50
            Assert.True(int.Parse(record.Fields["ch"]) > 0);
            Assert.True(double.Parse(record.Fields["start_time"], System.Globalization.CultureInfo.InvariantCulture) >= 0);
            Assert.True(long.Parse(record.Fields["read"]) > 0);
            Assert.Equal("0cc960b63c07619b4bf2917507d447479a21da66", record.Fields["runid"]);
            Assert.False(string.IsNullOrEmpty(record.Fields["model_version_id"]));
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var root = summary.RootElement;
        Assert.Equal(2, root.GetProperty("reads").GetInt64());
        Assert.Equal(0, root.GetProperty("failed_reads").GetInt64());
        Assert.Equal(records.Sum(r => r.Bases.Length), root.GetProperty("bases").GetInt64());
        Assert.True(root.GetProperty("samples").GetInt64() > 100_000); // the two reads have 65,030 and 110,232 samples
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        Assert.True(root.GetProperty("samples_per_second").GetDouble() > 0);
        Assert.Equal("onnx", root.GetProperty("engine").GetString());
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("model").GetString()));
    }

    [Fact]
    public async Task No_input_calls_the_bundled_sample_reads()
    {
        var output = Path.Combine(_folder, "calls.fasta");
        var (exit, errors) = await Run(new BasecallSettings { Output = output, Greedy = true, EmitFasta = true });
        Assert.True(exit == 0, errors);
        var headers = File.ReadAllLines(output).Where(l => l.StartsWith('>')).ToList();
        Assert.Equal(10, headers.Count);
    }

    [Fact]
    public async Task Damaged_file_gives_exit_1_and_the_other_reads_are_still_written()
    {
        var files = SampleFiles(3);
        var inputs = Path.Combine(_folder, "in");
        Directory.CreateDirectory(inputs);
        File.Copy(files[0], Path.Combine(inputs, "a.fast5"));
        var damaged = File.ReadAllBytes(files[1]);
        File.WriteAllBytes(Path.Combine(inputs, "b_truncated.fast5"), damaged[..(damaged.Length / 2)]);
        File.Copy(files[2], Path.Combine(inputs, "c.fast5"));
        var output = Path.Combine(_folder, "calls.fastq");

        var (exit, errors) = await Run(new BasecallSettings { Inputs = [inputs], Output = output, Greedy = true });

        Assert.Equal(1, exit);
        Assert.Contains("b_truncated.fast5", errors);
        Assert.Equal(2, FastqRecord.ReadAll(output).Count);
    }

    [Fact]
    public async Task Read_at_5_kHz_is_refused_naming_the_read_and_its_rate()
    {
        var blow5 = Path.Combine(AppContext.BaseDirectory, "data", "formats", "blow5", "r10_5khz_one_read.blow5");
        var output = Path.Combine(_folder, "calls.fastq");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = [blow5, SampleFiles(1)[0]], Output = output, Greedy = true });

        Assert.Equal(1, exit);
        Assert.Contains("28f170ce-c4e3-4b96-b98b-e435e9085bf5", errors);
        Assert.Contains("sample rate 5000 Hz is not supported", errors);
        Assert.Single(FastqRecord.ReadAll(output));
    }

    [Fact]
    public async Task Tflite_engine_calls_the_sample_reads_with_the_bundled_int8_model_and_auto_keeps_onnx()
    {
        // The bundled package carries the verified int8 TFLite model beside the float ONNX one: --engine tflite works
        // out of the box, and auto (no Edge TPU here) still runs the float model on ONNX Runtime. The two shortest
        // sample reads: int8 TFLite on the CPU is slow.
        var files = Directory.GetFiles(Samples, "*.fast5").OrderBy(f => new FileInfo(f).Length).Take(2).ToArray();
        var tfliteOutput = Path.Combine(_folder, "tflite.fastq");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = files, Output = tfliteOutput, Engine = "tflite", Greedy = true });
        Assert.True(exit == 0, errors);
        Assert.Contains("engine tflite,", errors);
        var autoOutput = Path.Combine(_folder, "auto.fastq");
        (exit, errors) = await Run(new BasecallSettings { Inputs = files, Output = autoOutput, Greedy = true });
        Assert.True(exit == 0, errors);
        Assert.Contains("engine onnx (auto)", errors);

        var onnx = FastqRecord.ReadAll(autoOutput).ToDictionary(r => r.ReadId, r => r.Bases);
        var tflite = FastqRecord.ReadAll(tfliteOutput);
        Assert.Equal(onnx.Keys.Order(), tflite.Select(r => r.ReadId).Order());
        foreach (var read in tflite)
        {
            var expected = onnx[read.ReadId];
            var identity = 1 - (double)EditDistance.Between(expected, read.Bases) / Math.Max(expected.Length, read.Bases.Length);
            log.WriteLine($"{read.ReadId}: {read.Bases.Length} bases, identity to the float model {identity:P2}");
            // dipper compile measured 96.5 % on held-out reads; a wrong scale or layout would give far less.
            Assert.InRange(identity, 0.9, 1.0);
        }
    }

    [Fact]
    public async Task Edge_tpu_engine_without_a_tpu_is_refused_with_exit_2()
    {
        var (exit, errors) = await Run(new BasecallSettings { Inputs = SampleFiles(1), Output = Path.Combine(_folder, "x.fastq"), Engine = "edgetpu" });
        Assert.Equal(CommandLineRunner.UsageError, exit);
        Assert.Contains("engine 'edgetpu' cannot run model 'sbonito_80_bb_swish'", errors);
        Assert.Contains("Edge TPU", errors);
        Assert.False(File.Exists(Path.Combine(_folder, "x.fastq")));
    }

    [Fact]
    public async Task Chunk_and_overlap_options_cut_the_reads_into_longer_chunks_in_smaller_batches_and_call_the_same_bases()
    {
        var files = SampleFiles(2);
        var manifestOutput = Path.Combine(_folder, "manifest.fastq");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = files, Output = manifestOutput, Greedy = true, Threads = 1 });
        Assert.True(exit == 0, errors);
        var longerOutput = Path.Combine(_folder, "longer.fastq");
        var summaryPath = Path.Combine(_folder, "summary.json");
        (exit, errors) = await Run(new BasecallSettings
        {
            Inputs = files, Output = longerOutput, Greedy = true, Threads = 1, Chunk = 5400, Overlap = 300, Summary = summaryPath,
        });
        Assert.True(exit == 0, errors);
        Assert.Contains("chunks of 5400 samples overlapping by 300", errors);

        // The network computed the chunks the layout cuts at 5,400/300 (read lengths 65,030 and 110,232), not the manifest's.
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var root = summary.RootElement;
        var layout = new Dipper.Basecaller.Pipeline.ChunkLayout(5400, 5100, 3);
        Assert.Equal(5400, root.GetProperty("chunk_samples").GetInt32());
        Assert.Equal(300, root.GetProperty("chunk_overlap").GetInt32());
        // Without --batch the samples per network call stay those of 32 chunks of 1,800: 10 chunks of 5,400.
        Assert.Equal(10, root.GetProperty("batch").GetInt32());
        Assert.Equal(layout.ChunkCount(65_030) + layout.ChunkCount(110_232), root.GetProperty("chunks").GetInt64());
        // ONNX Runtime takes shorter chunks, so each read's last chunk ran at its own length: 3,830 and 3,132 real samples
        // in whole blocks of 192, not two more chunks of 5,400.
        var computed = new[] { 65_030, 110_232 }.Sum(n => Enumerable.Range(0, layout.ChunkCount(n))
            .Sum(k => (long)(layout with { ShortLastChunk = true }).ComputedSamples(k, n)));
        Assert.Equal(computed, root.GetProperty("chunk_samples_computed").GetInt64());
        Assert.Equal(root.GetProperty("chunks").GetInt64() * 5400 - (5400 - 3840) - (5400 - 3264), computed);

        // Same reads, nearly the same bases: only the frames near the (fewer) chunk seams can differ.
        var manifest = FastqRecord.ReadAll(manifestOutput).ToDictionary(r => r.ReadId, r => r.Bases);
        var longer = FastqRecord.ReadAll(longerOutput);
        Assert.Equal(manifest.Keys.Order(), longer.Select(r => r.ReadId).Order());
        foreach (var read in longer)
        {
            var expected = manifest[read.ReadId];
            var identity = 1 - (double)EditDistance.Between(expected, read.Bases) / Math.Max(expected.Length, read.Bases.Length);
            log.WriteLine($"{read.ReadId}: {read.Bases.Length} bases, identity to the manifest's chunking {identity:P2}");
            Assert.InRange(identity, 0.97, 1.0);
        }
    }

    [Fact]
    public async Task Overlap_that_is_not_whole_frames_on_both_sides_is_refused_with_exit_2_and_nothing_written()
    {
        var output = Path.Combine(_folder, "x.fastq");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = SampleFiles(1), Output = output, Overlap = 500 });
        Assert.Equal(CommandLineRunner.UsageError, exit);
        Assert.Contains("--overlap 500", errors);
        Assert.Contains("must be a multiple of twice the stride (6)", errors);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Tflite_engine_refuses_a_chunk_length_its_fixed_model_cannot_take()
    {
        // The int8 TFLite model's input is [8, 1800, 1]: it cannot follow --chunk, and says so instead of calling garbage.
        var output = Path.Combine(_folder, "x.fastq");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = SampleFiles(1), Output = output, Engine = "tflite", Chunk = 3600 });
        Assert.Equal(1, exit);
        Assert.Contains("engine 'tflite' runs chunks of 1800 samples only", errors);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("--chunk", "long")]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "many")]
    [InlineData("--engine", "gpu")]
    [InlineData("--pooling-budget", "-1")]
    [InlineData("--pooling-budget", "lots")]
    public void Bad_usage_gives_exit_2(string option, string value)
    {
        var root = new RootCommand { BasecallCommand.Create() };
        Assert.Equal(CommandLineRunner.UsageError, CommandLineRunner.Run(root, ["basecall", option, value, "-o", Path.Combine(_folder, "x.fastq")]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Whole_read_calls_of_the_reference_reads_match_the_reference_pipeline(bool greedy)
    {
        // The reference reads are the first three sample files (tests/data/reference/sbonito/manifest.json).
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Reference, "manifest.json")));
        var reads = manifest.RootElement.GetProperty("reads").EnumerateArray().ToList();
        var files = reads.Select(r => Path.Combine(Samples, r.GetProperty("fast5").GetString()!)).ToArray();
        var output = Path.Combine(_folder, "calls.fastq");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = files, Output = output, Greedy = greedy, Beam = 5 });
        Assert.True(exit == 0, errors);

        var called = FastqRecord.ReadAll(output).ToDictionary(r => r.ReadId, r => r.Bases);
        for (var i = 0; i < reads.Count; i++)
        {
            var id = reads[i].GetProperty("read_id").GetString()!;
            var expected = File.ReadAllText(Path.Combine(Reference, $"read{i}.{(greedy ? "greedy" : "beam5")}.txt")).Trim();
            var distance = EditDistance.Between(expected, called[id]);
            log.WriteLine($"{(greedy ? "greedy" : "beam5")} read {i} {id}: {expected.Length} bases, edit distance {distance}");
            // ONNX Runtime and PyTorch differ by ~1e-4 in log-probs, which can flip a near-tie in a frame.
            Assert.True(distance < 0.002 * expected.Length, $"read {id}: edit distance {distance} of {expected.Length} bases");
        }
    }

    private static string R10Pod5 => Path.Combine(AppContext.BaseDirectory, "data", "formats", "pod5", "r10_4khz_four_reads.pod5");

    [Fact]
    public async Task R10_reads_at_4_kHz_are_refused_with_exit_1_naming_both_chemistries_and_the_other_files_are_called()
    {
        var output = Path.Combine(_folder, "calls.fastq");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = [R10Pod5, SampleFiles(1)[0]], Output = output, Greedy = true });

        Assert.Equal(1, exit);
        Assert.Contains("f66dba1f-f291-48fd-8b98-647fae410489", errors);
        Assert.Contains("chemistry R10.4.1 DNA (flow cell FLO-MIN114, kit SQK-RBK114-96) does not match model 'sbonito_80_bb_swish' (R9.4.1 DNA)", errors);
        Assert.Contains("4 read(s) skipped", errors);
        Assert.Single(FastqRecord.ReadAll(output));
    }

    [Fact]
    public async Task Ignore_chemistry_calls_the_R10_reads()
    {
        var output = Path.Combine(_folder, "calls.fastq");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = [R10Pod5], Output = output, Greedy = true, IgnoreChemistry = true });

        Assert.True(exit == 0, errors);
        Assert.DoesNotContain("chemistry", errors);
        Assert.Equal(4, FastqRecord.ReadAll(output).Count);
    }

    [Fact]
    public void Ignore_chemistry_is_an_option_of_the_command_line()
    {
        var root = new RootCommand { BasecallCommand.Create() };
        var parsed = root.Parse(["basecall", "--ignore-chemistry", R10Pod5]);
        Assert.Empty(parsed.Errors);
        Assert.True(parsed.GetValue<bool>("--ignore-chemistry"));
    }

    [Fact]
    public async Task Bundled_sample_reads_are_known_r941_dna_and_called_without_a_warning()
    {
        var (exit, errors) = await Run(new BasecallSettings { Inputs = SampleFiles(3), Output = Path.Combine(_folder, "calls.fastq"), Greedy = true });
        Assert.True(exit == 0, errors);
        Assert.DoesNotContain("warning", errors);
    }

    [Fact]
    public async Task File_whose_read_groups_do_not_all_tell_the_chemistry_is_called_with_one_warning()
    {
        // Seven reads merged from five 2016 runs; some groups record only experiment_type genomic_dna.
        var blow5 = Path.Combine(AppContext.BaseDirectory, "data", "formats", "blow5", "seven_reads_five_groups_zstd_svb-zd.blow5");
        var output = Path.Combine(_folder, "calls.fastq");
        var (exit, errors) = await Run(new BasecallSettings { Inputs = [blow5], Output = output, Greedy = true });

        Assert.True(exit == 0, errors);
        var warning = Assert.Single(errors.Split('\n'), l => l.Contains("warning", StringComparison.Ordinal));
        Assert.Contains("seven_reads_five_groups_zstd_svb-zd.blow5: warning: chemistry unknown", warning);
        Assert.Contains("'sbonito_80_bb_swish' (R9.4.1 DNA)", warning);
        Assert.Equal(7, FastqRecord.ReadAll(output).Count);
    }
}
