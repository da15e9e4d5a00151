using System.Text.Json.Nodes;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Compilation;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Passes.Pooling;

namespace Dipper.Compiler.Tests.Import;

/// <summary>
/// A pooled package (dipper pool: two ONNX parts around the host's pooling) read back as one model, as dipper train reads
/// it: the join of its parts must be the graph they were cut from, and the commands that cannot take a pooled model yet
/// must say so rather than fail somewhere inside.
/// </summary>
public sealed class PooledModelJoinTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-join-").FullName;

    private async Task<string> PoolAsync()
    {
        var package = Path.Combine(_folder, "pooled");
        var errors = new StringWriter();
        Assert.True(await PoolCommand.RunAsync(new PoolCommand.Request(TestData.Checkpoint, package), TextWriter.Null, errors, CancellationToken.None) == 0,
            errors.ToString());
        return package;
    }

    [Fact]
    public async Task A_pooled_package_reads_back_as_the_graph_its_parts_were_cut_from_bit_for_bit()
    {
        var package = await PoolAsync();
        var checkpoint = await ImportStage.RunAsync(TestData.Checkpoint, CancellationToken.None);
        var unsplit = DynamicPoolingStem.Apply(FoldStage.Run(checkpoint.Graph), new PoolCommand.Request("", "").Seed, out _);

        var source = await ModelSource.LoadAsync(package, CancellationToken.None);

        Assert.True(source.Pools);
        Assert.Equal(unsplit.Weights.Keys.Order(), source.Graph.Weights.Keys.Order());
        foreach (var (name, weight) in unsplit.Weights)
            Assert.True(weight.Values.SequenceEqual(source.Graph.Weights[name].Values), $"weight {name} differs after the round trip");
        Assert.Equal(unsplit.Nodes.Select(n => n.Operation.Kind), source.Graph.Nodes.Select(n => n.Operation.Kind));
        Assert.Single(source.Graph.Nodes, n => n.Operation is DynamicPool { MeanMove: 1.0 / 3 });
        // A whole read of three chunks through both graphs: the same numbers, in the same order of operations.
        await using var reader = SignalFile.Open(SignalFile.Find([TestData.Reads]).Order(StringComparer.Ordinal).First());
        var read = await reader.ReadAllAsync().FirstAsync();
        var samples = 5400;
        var normalised = new float[read.SampleCount];
        new Normaliser(source.Manifest.Normalisation).Normalise(read.Signal, normalised);
        var input = new FloatTensor([1, 1, samples], normalised.AsSpan(0, samples).ToArray());
        var expected = new FloatExecutor(unsplit).Run(input);
        var joined = new FloatExecutor(source.Graph).Run(input);
        Assert.Equal(expected.Shape, joined.Shape);
        Assert.True(expected.Values.AsSpan().SequenceEqual(joined.Values), "the joined graph computes other log-probabilities than the unsplit one");
    }

    [Fact]
    public async Task A_part_that_dipper_pool_did_not_write_is_refused_naming_the_file()
    {
        var package = await PoolAsync();
        // The part after the pooling in place of the part before it, its checksum made to match: a well-formed ONNX model of the wrong shape.
        var before = Path.Combine(package, PoolCommand.BeforeFile);
        var bytes = await File.ReadAllBytesAsync(Path.Combine(package, PoolCommand.AfterFile));
        await File.WriteAllBytesAsync(before, bytes);
        var manifestPath = Path.Combine(package, ModelPackage.ManifestFileName);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        manifest["files"]!["sha256"]![PoolCommand.BeforeFile] = ModelSource.Sha256(bytes);
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ModelSource.LoadAsync(package, CancellationToken.None));

        Assert.Contains(PoolCommand.BeforeFile, error.Message);
        Assert.Contains("does not end by joining the features and the two logits", error.Message);
    }

    [Fact]
    public async Task Commands_that_cannot_take_a_pooled_model_refuse_it_by_name_and_write_nothing()
    {
        var package = await PoolAsync();
        var (compressed, widened) = (Path.Combine(_folder, "compressed"), Path.Combine(_folder, "wide"));
        var errors = new StringWriter();

        var compress = await CompressCommand.RunAsync(new CompressCommand.Request(package, [TestData.Reads], compressed,
            new ModelCompressionOptions { Method = CompressionMethod.Magnitude, Sparsity = 0.5 }), TextWriter.Null, errors, CancellationToken.None);
        var widen = await WidenCommand.RunAsync(new WidenCommand.Request(package, 96, widened), TextWriter.Null, errors, CancellationToken.None);

        Assert.Equal(1, compress);
        Assert.Equal(1, widen);
        Assert.Contains("pools dynamically: dipper compress does not take a pooled model yet", errors.ToString());
        Assert.Contains("pools dynamically: dipper widen does not take a pooled model yet", errors.ToString());
        Assert.False(Directory.Exists(compressed));
        Assert.False(Directory.Exists(widened));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
