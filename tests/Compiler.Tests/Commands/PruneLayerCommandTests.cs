using System.Globalization;
using System.Text.Json;
using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Commands;

public class PruneLayerCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dipper-prune-layer-").FullName;
    private readonly string _weights;
    private readonly string _inputs;

    public PruneLayerCommandTests()
    {
        // The reference's generated layer 64×64, N = 512, seed 5 (see ReferenceAgreementTests),
        // weights in float32 and inputs in float64, as a PyTorch user might save them.
        var (w, x) = SyntheticLayer.Make(64, 64, 512, 5);
        _weights = Path.Combine(_dir, "W.npy");
        _inputs = Path.Combine(_dir, "X.npy");
        NpyWriter.Write(_weights, w, asFloat64: false);
        NpyWriter.Write(_inputs, x.Convert<float>(), asFloat64: true);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Admm_prints_the_references_error_the_sparsity_and_the_time()
    {
        var result = ToolProcess.Run("prune-layer", "--weights", _weights, "--inputs", _inputs, "--method", "admm", "--sparsity", "0.5");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Errors);
        var values = Values(result.Output);
        // pruning_reference.py admm(w, h, 0.5) on this layer: 0.009270530495577451.
        Assert.InRange(values["relative error"], 0.00927 * 0.99, 0.00927 * 1.01);
        Assert.Equal(0.5, values["sparsity"]);
        Assert.True(values["seconds"] >= 0);
    }

    [Fact]
    public void Json_is_one_object_with_error_sparsity_and_seconds()
    {
        var result = ToolProcess.Run("prune-layer", "--weights", _weights, "--inputs", _inputs, "--method", "dsf", "--sparsity", "0.7", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(["relative_error", "sparsity", "seconds"], json.RootElement.EnumerateObject().Select(p => p.Name));
        // pruning_reference.py dsf(w, h, 0.7): 0.04187597762636318, achieved sparsity 0.70068359375.
        Assert.InRange(json.RootElement.GetProperty("relative_error").GetDouble(), 0.04188 * 0.97, 0.04188 * 1.03);
        Assert.InRange(json.RootElement.GetProperty("sparsity").GetDouble(), 0.7, 0.702);
    }

    [Fact]
    public void Out_writes_the_pruned_weights_in_the_input_dtype_with_a_four_of_eight_pattern()
    {
        var output = Path.Combine(_dir, "W_hat.npy");

        var result = ToolProcess.Run("prune-layer", "--weights", _weights, "--inputs", _inputs, "--method", "admm", "--nm", "4:8",
            "--admm-schedule", "cubic", "--out", output);

        Assert.Equal(0, result.ExitCode);
        using var reader = NpyReader.Open(output);
        Assert.False(reader.IsFloat64);
        var pruned = reader.ReadAll<float>();
        Assert.Equal((64, 64), (pruned.Rows, pruned.Columns));
        for (var r = 0; r < 64; r++)
            for (var g = 0; g < 64; g += 8)
                Assert.Equal(4, pruned.Row(r).Slice(g, 8).ToArray().Count(v => v != 0));
        Assert.Equal(0.5, Values(result.Output)["sparsity"]);
    }

    [Theory]
    [InlineData("--method", "admm")]                                                // no sparsity
    [InlineData("--method", "prune-everything", "--sparsity", "0.5")]
    [InlineData("--method", "wanda", "--sparsity", "1")]
    [InlineData("--method", "dsf", "--nm", "2:4")]
    [InlineData("--method", "admm", "--nm", "4:2")]
    [InlineData("--method", "admm", "--nm", "2:4", "--sparsity", "0.6")]
    [InlineData("--method", "wanda", "--sparsity", "0.5", "--admm-schedule", "cubic")]
    public void Bad_usage_exits_2_without_touching_the_files(params string[] options)
    {
        var result = ToolProcess.Run(["prune-layer", "--weights", _weights, "--inputs", _inputs, .. options]);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEqual("", result.Errors);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void Missing_weights_file_exits_1_naming_it()
    {
        var missing = Path.Combine(_dir, "nope.npy");

        var result = ToolProcess.Run("prune-layer", "--weights", missing, "--inputs", _inputs, "--method", "wanda", "--sparsity", "0.5");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(missing, result.Errors);
    }

    [Fact]
    public void Inputs_of_the_wrong_width_exit_1_naming_both_files_and_shapes()
    {
        var narrow = Path.Combine(_dir, "X32.npy");
        NpyWriter.Write(narrow, new Matrix<double>(10, 32), asFloat64: true);

        var result = ToolProcess.Run("prune-layer", "--weights", _weights, "--inputs", narrow, "--method", "admm", "--sparsity", "0.5");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(narrow, result.Errors);
        Assert.Contains(_weights, result.Errors);
        Assert.Contains("10 × 32", result.Errors);
    }

    [Fact]
    public void Truncated_inputs_exit_1_and_write_no_output()
    {
        var truncated = Path.Combine(_dir, "X_short.npy");
        var bytes = File.ReadAllBytes(_inputs);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var output = Path.Combine(_dir, "never.npy");

        var result = ToolProcess.Run("prune-layer", "--weights", _weights, "--inputs", truncated, "--method", "sparsegpt",
            "--sparsity", "0.5", "--out", output);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("truncated", result.Errors);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Non_finite_activation_exits_1_naming_its_row_and_column()
    {
        var x = NpyReader.Read<double>(_inputs);
        x[300, 17] = double.NaN;
        var damaged = Path.Combine(_dir, "X_nan.npy");
        NpyWriter.Write(damaged, x, asFloat64: true);

        var result = ToolProcess.Run("prune-layer", "--weights", _weights, "--inputs", damaged, "--method", "admm", "--sparsity", "0.5");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("row 300, column 17", result.Errors);
    }

    [Fact]
    public void Pattern_that_does_not_divide_the_inputs_exits_1()
    {
        var result = ToolProcess.Run("prune-layer", "--weights", _weights, "--inputs", _inputs, "--method", "magnitude", "--nm", "2:3");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("groups of 3", result.Errors);
    }

    private static Dictionary<string, double> Values(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split("  ", 2, StringSplitOptions.TrimEntries))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
}
