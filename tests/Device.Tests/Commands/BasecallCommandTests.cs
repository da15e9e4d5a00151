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
            Assert.False(string.IsNullOrEmpty(record.Fields["model"]));
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

    [Theory]
    [InlineData("tflite")]
    [InlineData("edgetpu")]
    public async Task Engine_that_cannot_run_the_bundled_float_package_is_refused_with_exit_2(string engine)
    {
        // The bundled package holds only model.onnx: neither TFLite engine can run it, and each says why.
        var (exit, errors) = await Run(new BasecallSettings { Inputs = SampleFiles(1), Output = Path.Combine(_folder, "x.fastq"), Engine = engine });
        Assert.Equal(CommandLineRunner.UsageError, exit);
        Assert.Contains($"engine '{engine}' cannot run model 'sbonito_80_bb_swish'", errors);
        Assert.Contains("no TFLite model", errors);
        Assert.False(File.Exists(Path.Combine(_folder, "x.fastq")));
    }

    [Theory]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "many")]
    [InlineData("--engine", "gpu")]
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
}
