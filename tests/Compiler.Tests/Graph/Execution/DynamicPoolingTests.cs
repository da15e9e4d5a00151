using Dipper.Basecaller.Inference;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Tests.Graph.Execution;

/// <summary>The CPU dynamic pooling (Dipper.Basecaller's rule, and the float executor's batched op over it) against tests/data/reference/dynamic-pooling (made by its reference.py with PyTorch).</summary>
public sealed class DynamicPoolingTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "data", "reference", "dynamic-pooling");

    private static float[] Read(int @case, string name, out IReadOnlyList<int> shape) =>
        NpyReader.ReadArray<float>(Path.Combine(Folder, $"case{@case}.{name}.npy"), out shape);

    private static float[] Read(int @case, string name) => Read(@case, name, out _);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Pooling_equals_the_pytorch_reference_bit_for_bit_in_float32_sequential_order(int @case)
    {
        var features = Read(@case, "features", out var shape);
        var (weights, moves) = (Read(@case, "weights"), Read(@case, "moves"));
        var positions = new float[moves.Length];

        DynamicPooling.Positions(moves, positions);
        var pooled = DynamicPooling.Pool(features, shape[0], weights, moves, out var length);

        Assert.Equal(Read(@case, "positions"), positions);
        var expected = Read(@case, "pooled", out var expectedShape);
        Assert.Equal(expectedShape[1], length);
        Assert.Equal(expected, pooled);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void The_op_from_logits_matches_the_reference_up_to_the_rounding_of_sigmoid(int @case)
    {
        var features = Read(@case, "features", out var shape);
        var logits = Read(@case, "logits");
        var scale = Read(@case, "scale")[0];

        var output = BatchDynamicPooling.Run(new FloatTensor([1, shape[0], shape[1]], features), new FloatTensor([1, 2, shape[1]], logits), scale, out var lengths);

        var expected = Read(@case, "pooled", out var expectedShape);
        Assert.Equal(expectedShape[1], lengths[0]);
        Assert.InRange(TestData.MaxAbsDifference(expected, output.Values), 0, 1e-4);
    }

    [Fact]
    public void Output_length_is_the_floor_of_the_last_position_plus_two_and_every_frame_is_split_between_two_neighbours()
    {
        // Positions 0.5, 1, 1.5, 2: the last is on an integer, so L = 2 + 2 = 4 and the last frame is empty.
        var pooled = DynamicPooling.Pool([1, 1, 1, 1], 1, [1, 1, 1, 1], [0.5f, 0.5f, 0.5f, 0.5f], out var length);

        Assert.Equal(4, length);
        Assert.Equal([0.5f, 2f, 1.5f, 0f], pooled);
        // Ten moves of a quarter end at 2.5: L = 4 as well; the mass (Σ w·F) is kept.
        var quarters = DynamicPooling.Pool(Enumerable.Repeat(2f, 10).ToArray(), 1, Enumerable.Repeat(0.5f, 10).ToArray(),
            Enumerable.Repeat(0.25f, 10).ToArray(), out var quarterLength);
        Assert.Equal(4, quarterLength);
        Assert.Equal(10f, quarters.Sum(), 5);
        Assert.Equal(4, DynamicPool.OutputLength(2.999f));
        Assert.Equal(5, DynamicPool.OutputLength(3f));
    }

    [Fact]
    public void A_batch_is_padded_with_zero_frames_to_its_longest_read()
    {
        // Read 0 moves fast (large move logits), read 1 slowly: different lengths from the same number of frames.
        var frames = 30;
        var logits = new float[2 * 2 * frames];
        for (var t = 0; t < frames; t++)
        {
            logits[frames + t] = 3f;          // read 0, move ≈ 0.95
            logits[3 * frames + t] = -3f;     // read 1, move ≈ 0.05
        }
        var features = Enumerable.Range(0, 2 * 3 * frames).Select(i => 1f + i % 7).ToArray();

        var output = BatchDynamicPooling.Run(new FloatTensor([2, 3, frames], features), new FloatTensor([2, 2, frames], logits), 1f, out var lengths);

        Assert.Equal([30, 3], lengths);
        Assert.Equal([2, 3, 30], output.Shape);
        for (var c = 0; c < 3; c++)
        {
            var row = output.Values.AsSpan((3 + c) * 30, 30);
            Assert.All(row[3..].ToArray(), v => Assert.Equal(0f, v));
            Assert.True(row[0] > 0, "the slow read's first frame holds its pooled samples");
        }
    }

    [Fact]
    public void The_graph_op_leaves_the_time_axis_to_the_read_and_runs_in_the_executor()
    {
        var builder = new GraphBuilder("pooled");
        builder.Weight("pool.r", new WeightTensor([1], [1f]));
        var x = builder.Input("features", new TensorShape(Dim.Named("batch"), 5, Dim.Named("frames")));
        var g = builder.Input("logits", new TensorShape(Dim.Named("batch"), 2, Dim.Named("frames")));
        builder.Add("pool", new DynamicPool { NormMean = "pool.r" }, x, g);
        var graph = builder.Build(new GraphValue("pool", new TensorShape(Dim.Named("batch"), 5, Dim.Unknown)));

        Assert.False(graph.Shapes["pool"][2].IsFixed);
        Assert.Empty(graph.Nodes[0].Operation.ParameterNames);
        var features = Read(1, "features", out var shape);
        var outputs = new FloatExecutor(graph).Run(new Dictionary<string, FloatTensor>
        {
            ["features"] = new([1, shape[0], shape[1]], features),
            ["logits"] = new([1, 2, shape[1]], Read(1, "logits")),
        });
        var direct = BatchDynamicPooling.Run(new FloatTensor([1, shape[0], shape[1]], features), new FloatTensor([1, 2, shape[1]], Read(1, "logits")), 1f, out _);
        Assert.Equal(direct.Values, outputs["pool"].Values);
    }
}
