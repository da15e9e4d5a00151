using System.Text.Json.Nodes;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Signal;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Passes.Compression;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Models;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Commands;

/// <summary>
/// <c>dipper compile</c> of the committed pooled package (tests/data/models/sbonito-pooled, <c>dipper pool</c>'s untrained
/// variant of the default model) compiled once for the class, with few calibration chunks, for the Edge TPU's rules without
/// edgetpu_compiler (not installed here), as the tests of models without pooling compile.
/// </summary>
public sealed class PooledCompileFixture : IAsyncLifetime
{
    /// <summary>The committed pooled package.</summary>
    public static string Source => Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito-pooled");

    /// <summary>Where the compiled package and the tests' copies go.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("dipper-pooled-compile-").FullName;

    /// <summary>The compiled package's folder.</summary>
    public string Package => Path.Combine(Folder, "pooled-int8");

    /// <summary>dipper compile's exit code, output and errors.</summary>
    public (int Code, string Output, string Errors) Compile { get; private set; }

    /// <summary>The settings compile ran with: 16 calibration chunks (few: the tests are about the mechanism), 2 held-out reads.</summary>
    public static CompileSettings Settings(string output, CompileTarget target = CompileTarget.EdgeTpu) => new()
    {
        Model = Source,
        Calibration = [TestData.Reads],
        Output = output,
        Target = target,
        Batch = 4,
        Set = new CalibrationSetOptions { CalibrationChunks = 16, ChunksPerRead = 4, VerificationReads = 2 },
        Threads = 2,
        MinIdentity = 0.90,
        RunEdgeTpuCompiler = false,
    };

    /// <inheritdoc />
    public async Task InitializeAsync() => Compile = await RunAsync(Settings(Package));

    /// <summary>Runs dipper compile in this process.</summary>
    public static async Task<(int Code, string Output, string Errors)> RunAsync(CompileSettings settings)
    {
        var (output, errors) = (new StringWriter(), new StringWriter());
        var code = await ModelCompilation.RunAsync(settings, output, errors, CancellationToken.None);
        return (code, output.ToString(), errors.ToString());
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A pooled package compiled to an int8 part after the pooling, and run by <c>dipperd basecall</c> with that part on TFLite
/// (the part before the pooling and the pooling on the host), against the float pooled package.
/// </summary>
public sealed class PooledCompileTests(PooledCompileFixture fixture, ITestOutputHelper log) : IClassFixture<PooledCompileFixture>
{
    private (int Code, string Output, string Errors) Compiled()
    {
        log.WriteLine(fixture.Compile.Output + fixture.Compile.Errors);
        Assert.True(fixture.Compile.Code == 0, fixture.Compile.Errors);
        return fixture.Compile;
    }

    private static string[] TestFiles(int count) => SignalFile.Find([TestData.Reads]).Order(StringComparer.Ordinal).Take(count).ToArray();

    /// <summary>Each read's bases from a FASTQ file, by read id.</summary>
    private static Dictionary<string, string> Calls(string fastq)
    {
        var lines = File.ReadAllLines(fastq);
        Assert.Equal(0, lines.Length % 4);
        return Enumerable.Range(0, lines.Length / 4).ToDictionary(r => lines[r * 4][1..].Split(' ')[0], r => lines[r * 4 + 1]);
    }

    [Fact]
    public void Compile_writes_the_int8_part_after_the_pooling_beside_the_float_parts_and_a_manifest_that_round_trips()
    {
        var (_, output, _) = Compiled();

        Assert.Contains("calibration (pooled windows): 16/16 chunks", output);
        Assert.Contains($"verification (tflite {PooledModelCompilation.AfterTfliteFile}, pooled windows): 2/2 reads", output);
        Assert.Contains("## Edge TPU time (estimate, not measured)", output);
        var package = ModelPackage.Load(fixture.Package);
        var source = ModelPackage.Load(PooledCompileFixture.Source);
        var pooling = package.Manifest.Pooling!;
        Assert.Equal(PooledModelCompilation.AfterTfliteFile, pooling.After.Tflite);
        Assert.Equal([4, 600, 80], pooling.After.TfliteInput!.Shape);
        Assert.Equal([4, 600, 5], pooling.After.TfliteOutput!.Shape);
        Assert.Equal(("int8", "int8"), (pooling.After.TfliteInput.Type, pooling.After.TfliteOutput.Type));
        Assert.Null(pooling.After.TfliteEdgeTpu);
        Assert.Null(pooling.Before.Tflite);
        Assert.Equal(4, pooling.Window.Batch);
        // The float parts are written again from the graph compile calibrated and verified: the same bytes as dipper pool's.
        foreach (var part in new[] { pooling.Before.Onnx, pooling.After.Onnx })
            Assert.Equal(source.Manifest.Files.Sha256[part], package.Manifest.Files.Sha256[part]);
        Assert.Equal(ModelSource.Sha256(File.ReadAllBytes(Path.Combine(fixture.Package, PooledModelCompilation.AfterTfliteFile))),
            package.Manifest.Files.Sha256[PooledModelCompilation.AfterTfliteFile]);
        Assert.Null(package.TflitePath);
        Assert.Contains("none: compiled with --no-edgetpu-compiler", package.Manifest.Provenance["edgeTpuModel"].GetString());
        var agreement = package.Manifest.Provenance["agreement"].GetProperty($"tflite {PooledModelCompilation.AfterTfliteFile}");
        Assert.InRange(agreement.GetProperty("basecallIdentity").GetDouble(), 0.90, 1.0);
        Assert.Equal(16, package.Manifest.Provenance["calibration"].GetProperty("pooledWindows").GetInt32());
        Assert.Empty(Directory.GetDirectories(fixture.Folder, ".*partial*"));

        var copy = Path.Combine(fixture.Folder, "round-trip");
        Directory.CreateDirectory(copy);
        ModelPackage.WriteManifest(copy, package.Manifest);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Package, ModelPackage.ManifestFileName))),
            JsonNode.Parse(File.ReadAllText(Path.Combine(copy, ModelPackage.ManifestFileName)))));

        // The TFLite engine takes the part as it is, and activation's validation test-runs it.
        using var engine = TfliteEngine.FromFile(package.AfterPoolingPart!.TflitePath!);
        Assert.Equal((600 * 80, 600, 5, 4), (engine.ChunkSamples, engine.FramesPerChunk, engine.Classes, engine.MaxBatch));
        ModelPackageValidator.Validate(fixture.Package, new TfliteTestInference());
    }

    [Fact]
    public void Dipperd_basecall_runs_the_int8_part_on_tflite_one_record_per_read_agreeing_with_the_float_pooled_model_at_the_gate()
    {
        Compiled();
        var files = TestFiles(3);
        var (int8Calls, floatCalls) = (Path.Combine(fixture.Folder, "int8.fastq"), Path.Combine(fixture.Folder, "float.fastq"));

        var (exit, errors) = ApplianceCommand.Run(["basecall", .. files, "--model", fixture.Package, "-o", int8Calls, "--engine", "tflite", "--threads", "2", "--greedy"]);
        var (floatExit, floatErrors) = ApplianceCommand.Run(["basecall", .. files, "--model", PooledCompileFixture.Source, "-o", floatCalls, "--threads", "2", "--greedy"]);

        log.WriteLine(errors + floatErrors);
        Assert.Equal(0, exit);
        Assert.Equal(0, floatExit);
        Assert.Contains("engine onnx before the pooling, tflite after it", errors);
        var (int8, reference) = (Calls(int8Calls), Calls(floatCalls));
        Assert.Equal(3, int8.Count);
        Assert.Equal(reference.Keys.Order(), int8.Keys.Order());
        var settings = PooledCompileFixture.Settings("");
        foreach (var (read, bases) in int8)
        {
            var identity = EditDistance.Identity(reference[read], bases);
            log.WriteLine($"{read}: {bases.Length} bases, identity {identity:P2} to the float pooled model");
            Assert.Matches("^[ACGT]{1000,}$", bases);
            Assert.InRange(identity, settings.MinIdentity, 1.0);
        }
    }

    [Fact]
    public void Corrupt_tflite_part_is_refused_naming_the_file()
    {
        Compiled();
        var copy = Path.Combine(fixture.Folder, "corrupt");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(fixture.Package)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        var tflite = Path.Combine(copy, PooledModelCompilation.AfterTfliteFile);
        var bytes = File.ReadAllBytes(tflite);
        File.WriteAllBytes(tflite, bytes[..(bytes.Length / 3)]);

        var (exit, errors) = ApplianceCommand.Run(["basecall", TestFiles(1)[0], "--model", copy, "-o", Path.Combine(copy, "calls.fastq"), "--engine", "tflite"]);
        var refused = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(copy, new TfliteTestInference()));
        // With its checksum made to match, the test inference refuses it, still by name.
        PatchChecksum(copy, PooledModelCompilation.AfterTfliteFile, File.ReadAllBytes(tflite));
        var notRun = Assert.Throws<ModelPackageRejectedException>(() => ModelPackageValidator.Validate(copy, new TfliteTestInference()));

        log.WriteLine(errors);
        Assert.NotEqual(0, exit);
        Assert.Contains(PooledModelCompilation.AfterTfliteFile, errors);
        Assert.False(File.Exists(Path.Combine(copy, "calls.fastq")));
        Assert.Contains($"{PooledModelCompilation.AfterTfliteFile}: SHA-256", refused.Message);
        Assert.Contains(PooledModelCompilation.AfterTfliteFile, notRun.Message);
    }

    [Fact]
    public void Pooled_package_without_a_tflite_part_refuses_engine_tflite_saying_why()
    {
        var (exit, errors) = ApplianceCommand.Run(["basecall", TestFiles(1)[0], "--model", PooledCompileFixture.Source,
            "-o", Path.Combine(fixture.Folder, "refused.fastq"), "--engine", "tflite"]);

        Assert.Equal(2, exit);
        Assert.Contains("pools dynamically: its two parts run on ONNX Runtime only (its part after the pooling has no TFLite or Edge TPU model: `dipper compile` makes one)", errors);
        Assert.Contains("--engine onnx or auto, not tflite", errors);
    }

    [Fact]
    public async Task Compile_whose_int8_part_falls_short_of_the_gate_writes_nothing()
    {
        var output = Path.Combine(fixture.Folder, "short");

        var (code, _, errors) = await PooledCompileFixture.RunAsync(PooledCompileFixture.Settings(output, CompileTarget.Cpu) with { MinIdentity = 1.01 });

        Assert.Equal(1, code);
        Assert.Contains($"tflite {PooledModelCompilation.AfterTfliteFile} does not agree closely enough with the float model", errors);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetDirectories(fixture.Folder, ".short.partial*"));
    }

    [Fact]
    public void Committed_int8_pooled_package_is_what_compile_writes_now()
    {
        Compiled();
        var committed = Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito-pooled-int8");
        const string regenerate = "regenerate it with the command in tests/data/models/sbonito-pooled-int8/README.md";

        // The fixture was compiled with --target cpu and the class's with the Edge TPU's rules: the int8 model is the same.
        foreach (var file in new[] { PooledModelCompilation.AfterTfliteFile, PoolCommand.BeforeFile, PoolCommand.AfterFile })
            Assert.True(File.ReadAllBytes(Path.Combine(committed, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(fixture.Package, file))), $"{file} differs; {regenerate}");
        var (a, b) = (JsonNode.Parse(File.ReadAllText(Path.Combine(committed, ModelPackage.ManifestFileName)))!,
            JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Package, ModelPackage.ManifestFileName)))!);
        foreach (var section in new[] { "pooling", "files", "chunk", "stride" })
            Assert.True(JsonNode.DeepEquals(a[section], b[section]), $"manifest '{section}' differs; {regenerate}");
    }

    [Fact]
    public async Task Compile_of_a_pooled_package_with_compression_is_refused_by_name_and_writes_nothing()
    {
        var output = Path.Combine(fixture.Folder, "pruned");

        var (code, _, errors) = await PooledCompileFixture.RunAsync(PooledCompileFixture.Settings(output) with
        {
            Compression = new ModelCompressionOptions { Method = CompressionMethod.Magnitude, Sparsity = 0.5 },
        });

        Assert.Equal(1, code);
        Assert.Contains("pools dynamically: dipper compile does not compress a pooled model yet", errors);
        Assert.False(Directory.Exists(output));
    }

    private static void PatchChecksum(string package, string file, byte[] bytes)
    {
        var path = Path.Combine(package, ModelPackage.ManifestFileName);
        var manifest = JsonNode.Parse(File.ReadAllText(path))!;
        manifest["files"]!["sha256"]![file] = ModelSource.Sha256(bytes);
        File.WriteAllText(path, manifest.ToJsonString());
    }
}
