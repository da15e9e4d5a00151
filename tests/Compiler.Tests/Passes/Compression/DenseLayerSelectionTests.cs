using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

public class DenseLayerSelectionTests
{
    private static IReadOnlyList<CompressibleLayer> Layers =>
        CompressedSbonito.Folded.Nodes.Select(CompressibleLayer.Of).OfType<CompressibleLayer>().ToArray();

    [Fact]
    public void Stem_output_and_depthwise_name_the_first_the_last_and_every_depthwise_layer()
    {
        var layers = Layers;

        var kept = DenseLayerSelection.Parse("stem, output,depthwise").Resolve(layers);

        Assert.Equal(28, kept.Count);
        Assert.Contains(layers[0].Node.Name, kept);
        Assert.Contains(layers[^1].Node.Name, kept);
        Assert.All(layers.Where(l => l.IsDepthwise), l => Assert.Contains(l.Node.Name, kept));
        Assert.DoesNotContain(layers.First(l => !l.IsDepthwise && l != layers[0]).Node.Name, kept);
    }

    [Fact]
    public void Layer_names_are_kept_exactly_and_an_unknown_name_lists_the_layers_that_exist()
    {
        var layers = Layers;

        var kept = DenseLayerSelection.Parse("e.encoder.7.conv.0.conv").Resolve(layers);
        var error = Assert.Throws<UnknownLayerException>(() => DenseLayerSelection.Parse("stem,e.encoder.7.conv").Resolve(layers));

        Assert.Equal(["e.encoder.7.conv.0.conv"], kept);
        Assert.Equal(["e.encoder.7.conv"], error.Unknown);
        Assert.Contains("'e.encoder.7.conv'", error.Message);
        Assert.Contains("e.encoder.7.conv.0.conv", error.Message);
        Assert.Contains("e.encoder.1.conv.0.depthwise", error.Message);
    }
}
