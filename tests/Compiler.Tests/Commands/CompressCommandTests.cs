using System.CommandLine;
using Dipper.Basecaller.CommandLine;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Passes.Factorization;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Commands;

public sealed class CompressCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-compress-").FullName;

    [Fact]
    public async Task Compressed_package_runs_on_onnx_runtime_as_the_compressed_graph_computes()
    {
        var packageFolder = Path.Combine(_folder, "admm-50");
        var request = new CompressCommand.Request(TestData.Checkpoint, [TestData.Reads], packageFolder,
            new ModelCompressionOptions { Method = CompressionMethod.Admm, Sparsity = 0.5, Threads = 2 }, Chunks: 8, ChunksPerRead: 2);
        var (output, errors) = (new StringWriter(), new StringWriter());

        var code = await CompressCommand.RunAsync(request, output, errors, CancellationToken.None);

        log.WriteLine(output.ToString());
        Assert.Equal(0, code);
        Assert.Contains("e.encoder.1.conv.0.depthwise (Conv1d depthwise 80×1×11): admm per channel", output.ToString());
        var package = ModelPackage.Load(packageFolder);
        var compression = package.Manifest.Provenance["compression"];
        Assert.Equal("admm", compression.GetProperty("method").GetString());
        Assert.Equal(60, compression.GetProperty("layers").GetArrayLength());
        Assert.True(compression.GetProperty("recalibrate").GetBoolean());
        Assert.All(compression.GetProperty("layers").EnumerateArray(), l => Assert.True(l.GetProperty("recalibrated").GetBoolean()));
        Assert.InRange(compression.GetProperty("totals").GetProperty("sparsity").GetDouble(), 0.48, 0.51);
        Assert.Equal(["fold-batchnorm", "prune-admm"], package.Manifest.Provenance["passes"].EnumerateArray().Select(p => p.GetString()));
        Assert.Contains("| e.encoder.7.conv.0.conv | Conv1d | 40×80×7 | admm | 50.0 % |", File.ReadAllText(Path.Combine(packageFolder, "report.md")));

        // The appliance's ONNX Runtime engine runs the package and computes what the compiler's executor computes for its graph.
        using var engine = new OnnxRuntimeEngine(package, new InferenceEngineOptions { Threads = 1, Batch = 1 });
        var window = TestData.ReadFloats("read0.window0.f32");
        var logProbs = new float[TestData.WindowFrames * TestData.Classes];
        engine.Infer(window, 1, logProbs);
        var graph = (await ModelSource.LoadAsync(packageFolder, CancellationToken.None)).Graph;
        var expected = new FloatExecutor(graph).Run(new FloatTensor([1, 1, TestData.WindowSamples], window)).Values;
        Assert.InRange(TestData.MaxAbsDifference(expected, logProbs), 0, 1e-3);
        var zeros = graph.Weights.Values.Sum(w => w.Values.ToArray().Count(v => v == 0));
        Assert.True(zeros > 100_000, $"{zeros} zero weights in the package's ONNX model");
    }

    [Fact]
    public async Task A_factorised_package_compressed_again_is_cut_layer_by_layer_and_records_both_cuts()
    {
        var (dsf, admm) = (Path.Combine(_folder, "dsf-30"), Path.Combine(_folder, "dsf-30-admm-50"));
        var (output, errors) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await CompressCommand.RunAsync(new CompressCommand.Request(TestData.Checkpoint, [TestData.Reads], dsf,
            new ModelCompressionOptions { Method = CompressionMethod.Dsf, Sparsity = 0.3, Threads = 2 }, Chunks: 8, ChunksPerRead: 2),
            output, errors, CancellationToken.None));
        var pairs = ModelPackage.Load(dsf).Manifest.Provenance["compression"].GetProperty("layers").EnumerateArray()
            .Count(l => l.TryGetProperty("innerChannels", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.Number);
        Assert.True(pairs > 0, output.ToString());

        output = new StringWriter();
        var code = await CompressCommand.RunAsync(new CompressCommand.Request(dsf, [TestData.Reads], admm,
            new ModelCompressionOptions { Method = CompressionMethod.Admm, Sparsity = 0.5, Threads = 2 }, Chunks: 8, ChunksPerRead: 2),
            output, errors, CancellationToken.None);

        log.WriteLine(output.ToString());
        Assert.Equal(0, code);
        Assert.Contains($"compression: {pairs} factorised layers joined back", output.ToString());
        var provenance = ModelPackage.Load(admm).Manifest.Provenance;
        Assert.Equal("admm", provenance["compression"].GetProperty("method").GetString());
        Assert.Equal(60, provenance["compression"].GetProperty("layers").GetArrayLength());
        Assert.InRange(provenance["compression"].GetProperty("totals").GetProperty("sparsity").GetDouble(), 0.48, 0.51);
        var earlier = Assert.Single(provenance["earlierCompressions"].EnumerateArray());
        Assert.Equal("dsf", earlier.GetProperty("method").GetString());
        var graph = (await ModelSource.LoadAsync(admm, CancellationToken.None)).Graph;
        Assert.DoesNotContain(graph.Nodes, n => n.Name.EndsWith(FactorizedNodes.InnerSuffix, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("compile", "--prune admm --factorize dsf --sparsity 0.5", "--prune and --factorize are alternatives")]
    [InlineData("compile", "--prune admm", "--prune needs --sparsity")]
    [InlineData("compile", "--factorize dsf", "--factorize needs --sparsity")]
    [InlineData("compile", "--factorize dsf --sparsity 0.5 --nm 2:4", "--nm applies to --prune only")]
    [InlineData("compile", "--sparsity 0.5", "--sparsity and --nm need --prune or --factorize")]
    [InlineData("compile", "--prune admm --sparsity 1.5", "--sparsity must be in [0, 1)")]
    [InlineData("compile", "--prune admm --sparsity 0.4 --nm 2:4", "contradicts --nm 2:4")]
    [InlineData("compile", "--prune admm --nm 4:2", "--nm must be N:M")]
    [InlineData("compile", "--prune obc --sparsity 0.5", "obc")]
    [InlineData("compile", "--no-recalibrate", "--no-recalibrate needs --prune or --factorize")]
    [InlineData("compile", "--keep-dense stem", "--keep-dense needs --prune or --factorize")]
    [InlineData("compile", "--no-dense-fit", "--no-dense-fit needs --prune or --factorize")]
    [InlineData("compress", "--factorize ksep --no-dense-fit", "--no-dense-fit applies to --prune and --factorize dsf")]
    [InlineData("compress", "--prune admm --sparsity 0.5 --keep-dense ,", "--keep-dense needs a comma-separated list")]
    [InlineData("compress", "--sparsity 0.5", "give --prune admm|sparsegpt|wanda|magnitude or --factorize dsf")]
    [InlineData("compress", "--prune wanda --sparsity 0.5 --compression-chunks 0", "--compression-chunks must be at least 1")]
    [InlineData("compile", "--factorize ksep --sparsity 0.5", "--factorize ksep takes no --sparsity")]
    [InlineData("compress", "--factorize ksep --keep-dense stem", "--keep-dense applies to --prune and --factorize dsf")]
    [InlineData("compress", "--factorize s3d", "s3d")]
    [InlineData("compress", "--factorize s2d --sparsity 0.5", "--factorize s2d takes no --sparsity")]
    [InlineData("compress", "--factorize dsf --sparsity 0.5 --ksep-order depthwise-first", "--ksep-order applies to --factorize ksep and ksep,s2d only")]
    [InlineData("compress", "--factorize s2d --ksep-order depthwise-first", "--ksep-order applies to --factorize ksep and ksep,s2d only")]
    [InlineData("compress", "--factorize ksep --ksep-order inputs-first", "inputs-first")]
    public void Contradictory_compression_options_are_usage_errors(string command, string options, string message)
    {
        var root = new RootCommand { CompileCommand.Create(), CompressCommand.Create() };
        var args = new[] { command, "--model", "m.pth", "--calibration", "reads", "-o", "out" }.Concat(options.Split(' ')).ToArray();

        var errors = root.Parse(args).Errors;

        Assert.Contains(errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData(" --no-recalibrate", false)]
    public void Recalibration_is_on_unless_no_recalibrate_is_given(string flag, bool recalibrate)
    {
        var command = new Command("compress");
        var arguments = new CompressionArguments(command, required: true);

        var result = command.Parse(("--prune admm --sparsity 0.5" + flag).Split(' '));

        Assert.Empty(result.Errors);
        Assert.Equal(recalibrate, arguments.Read(result, 2)!.Recalibrate);
    }

    [Theory]
    [InlineData("--prune admm --sparsity 0.5", true)]
    [InlineData("--factorize dsf --sparsity 0.5 --no-dense-fit", false)]
    [InlineData("--prune magnitude --sparsity 0.5 --no-recalibrate", true)]
    public void Layers_are_fitted_to_the_dense_output_unless_no_dense_fit_is_given(string options, bool fit)
    {
        var command = new Command("compress");
        var arguments = new CompressionArguments(command, required: true);

        var result = command.Parse(options.Split(' '));

        Assert.Empty(result.Errors);
        Assert.Equal(fit, arguments.Read(result, 2)!.FitDenseOutput);
    }

    [Fact]
    public void Factorize_ksep_needs_no_sparsity_and_asks_for_the_ksep_rewrite()
    {
        var command = new Command("compile");
        var arguments = new CompressionArguments(command, required: false);

        var result = command.Parse(["--factorize", "ksep"]);

        Assert.Empty(result.Errors);
        var options = arguments.Read(result, 2)!;
        Assert.Equal(CompressionMethod.KSeparable, options.Method);
        Assert.Equal("factorize-ksep", options.PassName);
    }

    [Theory]
    [InlineData("--factorize ksep", KSeparableOrder.DenseFirst)]
    [InlineData("--factorize ksep --ksep-order dense-first", KSeparableOrder.DenseFirst)]
    [InlineData("--factorize ksep --ksep-order depthwise-first", KSeparableOrder.DepthwiseFirst)]
    [InlineData("--factorize ksep,s2d --ksep-order depthwise-first", KSeparableOrder.DepthwiseFirst)]
    public void Ksep_order_is_dense_first_unless_depthwise_first_is_asked(string options, KSeparableOrder order)
    {
        var command = new Command("compress");
        var arguments = new CompressionArguments(command, required: true);

        var result = command.Parse(options.Split(' '));

        Assert.Empty(result.Errors);
        var read = arguments.Read(result, 2)!;
        Assert.Equal(order, read.KSeparableOrder);
        Assert.Equal(order == KSeparableOrder.DepthwiseFirst, read.Description.Contains("depthwise convolution first", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("s2d", CompressionMethod.SpaceToDepth, "factorize-s2d")]
    [InlineData("ksep,s2d", CompressionMethod.KSeparableSpaceToDepth, "factorize-ksep+factorize-s2d")]
    public void Factorize_s2d_alone_or_after_ksep_needs_no_sparsity_and_asks_for_the_s2d_rewrite(string value, CompressionMethod method, string pass)
    {
        var command = new Command("compress");
        var arguments = new CompressionArguments(command, required: true);

        var result = command.Parse(["--factorize", value]);

        Assert.Empty(result.Errors);
        var options = arguments.Read(result, 2)!;
        Assert.Equal(method, options.Method);
        Assert.Equal(pass, options.PassName);
        Assert.True(options.RewritesBlocks);
    }

    [Fact]
    public void Usage_errors_exit_with_code_2_before_reading_anything()
    {
        var root = new RootCommand { CompressCommand.Create() };

        var code = CommandLineRunner.Run(root, ["compress", "--model", Path.Combine(_folder, "missing.pth"), "--calibration", _folder,
            "-o", Path.Combine(_folder, "out"), "--prune", "admm", "--factorize", "dsf", "--sparsity", "0.5"]);

        Assert.Equal(CommandLineRunner.UsageError, code);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }

    [Fact]
    public async Task Keeping_an_unknown_layer_dense_is_a_usage_error_naming_the_layers_that_exist()
    {
        var packageFolder = Path.Combine(_folder, "unknown");
        var request = new CompressCommand.Request(TestData.Checkpoint, [TestData.Reads], packageFolder,
            new ModelCompressionOptions { Method = CompressionMethod.Admm, Sparsity = 0.5, Threads = 2, KeepDense = DenseLayerSelection.Parse("stem,conv9") },
            Chunks: 2, ChunksPerRead: 1);
        var (output, errors) = (new StringWriter(), new StringWriter());

        var code = await CompressCommand.RunAsync(request, output, errors, CancellationToken.None);

        Assert.Equal(CommandLineRunner.UsageError, code);
        Assert.Contains("no convolution or linear layer named 'conv9'", errors.ToString());
        Assert.Contains("e.encoder.7.conv.0.conv", errors.ToString());
        Assert.False(Directory.Exists(packageFolder));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
