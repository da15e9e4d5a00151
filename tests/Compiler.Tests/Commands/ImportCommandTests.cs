using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;

namespace Dipper.Compiler.Tests.Commands;

public sealed class ImportCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(int Exit, string Output, string Errors)> Import(string checkpoint, string package)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await ImportCommand.RunAsync(checkpoint, package, output, errors, CancellationToken.None);
        return (exit, output.ToString(), errors.ToString());
    }

    [Fact]
    public async Task Imported_package_loads_and_reproduces_the_reference_log_probs()
    {
        var package = Path.Combine(_folder, "sbonito");

        var (exit, output, errors) = await Import(TestData.Checkpoint, package);

        Assert.True(exit == 0, errors);
        Assert.Contains("249805 parameters", output);
        var loaded = ModelPackage.Load(package);
        var m = loaded.Manifest;
        Assert.Equal(("sbonito_80_bb_swish", "NACGT", 0, 3), (m.Name, m.Alphabet, m.Blank, m.Stride));
        Assert.Equal((1800, 600, (int?)null), (m.Chunk.Samples, m.Chunk.Overlap, m.Chunk.Batch));
        Assert.Equal((NormalisationMethod.MedianMad, 1.4826, (double?)2.5), (m.Normalisation.Method, m.Normalisation.MadScale, m.Normalisation.Clip));
        Assert.Equal([4000.0], m.SampleRates);
        Assert.Equal("R9.4.1 DNA", m.Chemistry);
        Assert.Equal(("model.onnx", "signal", "logprobs"), (m.Files.Onnx, m.Files.OnnxInput, m.Files.OnnxOutput));
        var onnx = await File.ReadAllBytesAsync(loaded.OnnxPath!);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(onnx)), m.Files.Sha256["model.onnx"]);
        Assert.Equal("562244797e2fc53d9eb329c5b1397839209ad8d9f662b04907caef9bd28766a0", m.Provenance["source"].GetProperty("sha256").GetString());
        Assert.Equal("sbonito_80_bb_swish-204000.pth", m.Provenance["source"].GetProperty("file").GetString());
        Assert.Equal("fold-batchnorm", m.Provenance["passes"][0].GetString());
        Assert.Equal(249805, m.Provenance["parameters"].GetInt32());
        Assert.Equal("fmfi-compbio/osprey (Apache-2.0)", m.Provenance["upstream"].GetString());

        var (values, _) = TestData.RunOnnx(onnx, TestData.ReferenceWindows(), 3, m.Chunk.Samples, m.Files.OnnxInput, m.Files.OnnxOutput);
        Assert.True(TestData.MaxAbsDifference(values, TestData.ReferenceLogProbs()) <= 1e-3);
    }

    [Fact]
    public async Task Importing_twice_writes_identical_packages()
    {
        var first = Path.Combine(_folder, "a");
        var second = Path.Combine(_folder, "b");

        await Import(TestData.Checkpoint, first);
        await Import(TestData.Checkpoint, second);

        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(first, "model.onnx")), await File.ReadAllBytesAsync(Path.Combine(second, "model.onnx")));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(first, "manifest.json")), await File.ReadAllTextAsync(Path.Combine(second, "manifest.json")));
    }

    [Fact]
    public async Task Committed_default_package_is_what_import_makes_of_the_checkpoint_plus_its_int8_tflite_model()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Dipper.slnx"))) root = root.Parent;
        Assert.NotNull(root);
        var committed = Path.Combine(root.FullName, "models", "sbonito");
        var fresh = Path.Combine(_folder, "fresh");

        await Import(TestData.Checkpoint, fresh);

        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(committed, "model.onnx")), await File.ReadAllBytesAsync(Path.Combine(fresh, "model.onnx")));
        // The committed package also carries the int8 TFLite model dipper compile made from that ONNX model (see its
        // NOTICE.md): without those entries, its manifest is exactly what import writes.
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(committed, "manifest.json")))!;
        var files = manifest["files"]!.AsObject();
        Assert.Equal("model_int8.tflite", files["tflite"]!.GetValue<string>());
        Assert.Equal("model_int8.tflite", manifest["provenance"]!["tflite"]!["file"]!.GetValue<string>());
        foreach (var key in new[] { "tflite", "tfliteInput", "tfliteOutput" }) files.Remove(key);
        Assert.True(files["sha256"]!.AsObject().Remove("model_int8.tflite"));
        Assert.True(manifest["provenance"]!.AsObject().Remove("tflite"));
        var imported = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(fresh, "manifest.json")));
        Assert.True(JsonNode.DeepEquals(imported, manifest), $"import wrote\n{imported}\nthe committed manifest, TFLite entries aside, is\n{manifest}");
    }

    [Fact]
    public async Task Damaged_checkpoint_fails_with_its_name_and_writes_no_package()
    {
        var damaged = Path.Combine(_folder, "damaged.pth");
        var bytes = await File.ReadAllBytesAsync(TestData.Checkpoint);
        await File.WriteAllBytesAsync(damaged, bytes[..(bytes.Length / 2)]);
        var package = Path.Combine(_folder, "out");

        var (exit, _, errors) = await Import(damaged, package);

        Assert.Equal(1, exit);
        Assert.Contains("damaged.pth", errors);
        Assert.False(File.Exists(Path.Combine(package, "manifest.json")));
        Assert.False(File.Exists(Path.Combine(package, "model.onnx")));
    }

    [Fact]
    public async Task Missing_checkpoint_fails_with_its_path()
    {
        var (exit, _, errors) = await Import(Path.Combine(_folder, "nowhere.pth"), Path.Combine(_folder, "out"));

        Assert.Equal(1, exit);
        Assert.Contains("nowhere.pth", errors);
    }
}
