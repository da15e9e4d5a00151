using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;

namespace Dipper.Compiler.Tests.Commands;

/// <summary>Architecture files for <c>dipper train --architecture</c>: read, checked, and built as the encoder the default model is.</summary>
public sealed class ModelArchitectureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-architecture-").FullName;

    /// <summary>The default model's blocks, written as a user would write them.</summary>
    private const string DefaultModelBlocks = """
        [ { "channels": 80, "repeat": 1, "kernel": 9, "stride": 3 },
          { "channels": 80, "repeat": 5, "kernel": 11, "residual": true, "separable": true },
          { "channels": 80, "repeat": 5, "kernel": 11, "residual": true, "separable": true },
          { "channels": 80, "repeat": 5, "kernel": 11, "residual": true, "separable": true },
          { "channels": 80, "repeat": 5, "kernel": 11, "residual": true, "separable": true },
          { "channels": 80, "repeat": 5, "kernel": 11, "residual": true, "separable": true },
          { "channels": 80, "repeat": 1, "kernel": 11, "separable": true },
          { "channels": 40, "repeat": 1, "kernel": 7 } ]
        """;

    [Fact]
    public void The_default_models_blocks_in_a_file_build_its_graph_node_for_node_and_weight_for_weight()
    {
        var path = Write("default.json", $$"""{ "name": "again", "chemistry": "R9.4.1 DNA", "sampleRates": [4000], "blocks": {{DefaultModelBlocks}} }""");

        var start = ModelArchitecture.Read(path).Start(path, "NACGT", 1800, seed: 1);
        var imported = SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth");

        Assert.Equal(imported.Nodes.Select(n => (n.Name, n.Operation.Kind, string.Join(",", n.Inputs))),
            start.Graph.Nodes.Select(n => (n.Name, n.Operation.Kind, string.Join(",", n.Inputs))));
        Assert.Equal(imported.Weights.Select(w => (w.Key, w.Value.ShapeText)), start.Graph.Weights.Select(w => (w.Key, w.Value.ShapeText)));
        // Fresh weights, not the checkpoint's.
        Assert.False(imported.Weights["e.encoder.1.conv.0.pointwise.weight"].Values.SequenceEqual(start.Graph.Weights["e.encoder.1.conv.0.pointwise.weight"].Values));
        var manifest = start.Manifest;
        Assert.Equal(("again", "R9.4.1 DNA", "NACGT", 3), (manifest.Name, manifest.Chemistry, manifest.Alphabet, manifest.Stride));
        Assert.Equal([4000.0], manifest.SampleRates);
        // The label set's chunk, a third of it overlapped in whole frames on both sides; the default model's normalisation.
        Assert.Equal((1800, 600), (manifest.Chunk.Samples, manifest.Chunk.Overlap));
        Assert.Null(manifest.Chunk.Problem(3));
        Assert.Equal((1.4826, 2.5), (manifest.Normalisation.MadScale, manifest.Normalisation.Clip));
        Assert.True(manifest.Provenance["source"].GetProperty("architecture").GetBoolean());
        Assert.Matches("^[0-9a-f]{64}$", manifest.Provenance["source"].GetProperty("sha256").GetString()!);
    }

    [Fact]
    public void The_seed_decides_the_starting_weights()
    {
        var path = Write("small.json", """
            { "name": "small", "chemistry": "R10.4.1 DNA", "sampleRates": [5000], "chunk": { "samples": 1200, "overlap": 120 },
              "normalisation": { "method": "median-mad", "madScale": 1.5, "clip": 3 },
              "blocks": [ { "channels": 16, "repeat": 1, "kernel": 5, "stride": 2 }, { "channels": 16, "repeat": 2, "kernel": 7, "residual": true, "separable": true } ] }
            """);
        var architecture = ModelArchitecture.Read(path);

        var one = architecture.Start(path, "NACGT", 1200, seed: 1).Graph;
        var again = architecture.Start(path, "NACGT", 1200, seed: 1).Graph;
        var two = architecture.Start(path, "NACGT", 1200, seed: 2).Graph;

        const string Weight = "e.encoder.1.conv.0.pointwise.weight";
        Assert.Equal(one.Weights[Weight].Values.ToArray(), again.Weights[Weight].Values.ToArray());
        Assert.NotEqual(one.Weights[Weight].Values.ToArray(), two.Weights[Weight].Values.ToArray());
        var manifest = architecture.Start(path, "NACGT", 1200, seed: 1).Manifest;
        Assert.Equal((2, 1200, 120, 1.5, 3.0), (manifest.Stride, manifest.Chunk.Samples, manifest.Chunk.Overlap, manifest.Normalisation.MadScale, manifest.Normalisation.Clip!.Value));
        Assert.Equal("R10.4.1 DNA", manifest.Chemistry);
    }

    [Theory]
    [InlineData("""{ "name": "x", "sampleRates": [4000], "blocks": [ { "channels": 8, "repeat": 1, "kernel": 3 } ] }""", "chemistry")]
    [InlineData("""{ "name": "x", "chemistry": "R9.4.1 DNA", "sampleRates": [], "blocks": [ { "channels": 8, "repeat": 1, "kernel": 3 } ] }""", "sampleRates must list")]
    [InlineData("""{ "name": "x", "chemistry": "R9.4.1 DNA", "sampleRates": [4000], "blocks": [] }""", "at least one block")]
    [InlineData("""{ "name": "x", "chemistry": "R9.4.1 DNA", "sampleRates": null, "blocks": [ null ] }""", "sampleRates must list")]
    [InlineData("""{ "name": "x", "chemistry": "R9.4.1 DNA", "sampleRates": [4000], "blocks": [ null ] }""", "each an object")]
    [InlineData("""{ "name": "x", "chemistry": "R9.4.1 DNA", "sampleRates": [4000], "blocks": [ { "channels": 8, "repeat": 1, "kernel": 4 } ] }""", "block 0: kernel 4 is even")]
    [InlineData("""{ "name": "x", "chemistry": "R9.4.1 DNA", "sampleRates": [4000], "blocks": [ { "channels": 8, "repeat": 1, "kernel": 3 }, { "channels": 8, "repeat": 2, "kernel": 3, "stride": 2 } ] }""", "block 1: a block with stride 2 must be a single convolution")]
    [InlineData("""{ "name": "x", "chemistry": "R9.4.1 DNA", "sampleRates": [4000], "blocks": [ { "channels": 8, "repeat": 1, "kernel": 3, "kernal": 5 } ] }""", "kernal")]
    [InlineData("""{ "name": "x", "chemistry": "R9.4.1 DNA", "sampleRates": [4000], "blocks": [ { "channels": 8, "kernel": 3 } ] }""", "repeat")]
    [InlineData("""{ "name": "x", "chemistry": """, "not an architecture file")]
    public void A_file_that_is_not_a_usable_architecture_is_refused_naming_the_file_and_the_problem(string text, string problem)
    {
        var path = Write("bad.json", text);

        var e = Assert.Throws<InvalidDataException>(() => ModelArchitecture.Read(path));

        Assert.StartsWith($"{path}: ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void An_alphabet_or_chunk_that_does_not_fit_the_labels_or_the_stride_is_refused()
    {
        var path = Write("rna.json", """
            { "name": "x", "chemistry": "R9.4.1 DNA", "sampleRates": [4000], "alphabet": "NACGU",
              "blocks": [ { "channels": 8, "repeat": 1, "kernel": 3, "stride": 3 } ] }
            """);
        var architecture = ModelArchitecture.Read(path);

        Assert.Contains("the model scores 'NACGU', the labels index 'NACGT'",
            Assert.Throws<InvalidDataException>(() => architecture.Start(path, "NACGT", 1800, 1)).Message);
        Assert.Contains("not a whole number of frames at the model's stride 3",
            Assert.Throws<InvalidDataException>(() => (architecture with { Alphabet = null }).Start(path, "NACGT", 1000, 1)).Message);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
