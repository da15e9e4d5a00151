using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Numerics;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// H = XᵀX of a layer's calibration inputs, one per channel group, accumulated from activations as
/// they stream past. A convolution's input rows are its kernel patches (im2col): for output frame t
/// of group g, column i·k + tap holds input channel g·(in/groups) + i at sample
/// t·stride + tap·dilation − padding, zero outside the signal, exactly the taps the float executor
/// sums. Patches are made a frame block at a time and dropped; only the small H is kept.
/// </summary>
public static class LayerInputGram
{
    // Rows per GramMatrix.Add: large enough for its blocked product, small enough to stay in cache.
    private const int RowsPerBlock = 256;

    /// <summary>
    /// H per group over every tensor of <paramref name="inputs"/> (the layer's input for each batch of
    /// chunks), on up to <paramref name="threads"/> threads; the sum does not depend on the thread count
    /// beyond float64 rounding.
    /// </summary>
    public static Matrix<double>[] Collect(CompressibleLayer layer, IReadOnlyList<FloatTensor> inputs, int threads, CancellationToken cancellationToken)
    {
        var workers = Math.Max(1, Math.Min(threads, inputs.Count));
        var partial = new GramMatrix[workers][];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken }, worker =>
        {
            var grams = partial[worker] = Enumerable.Range(0, layer.Groups).Select(_ => new GramMatrix(layer.GroupInputs)).ToArray();
            for (var b = worker; b < inputs.Count; b += workers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Add(layer, inputs[b], grams);
            }
        });
        var result = partial[0].Select(g => g.ToMatrix()).ToArray();
        foreach (var other in partial.Skip(1))
        {
            for (var g = 0; g < result.Length; g++)
            {
                var h = other[g].ToMatrix();
                System.Numerics.Tensors.TensorPrimitives.Add(result[g].AsSpan(), h.AsSpan(), result[g].AsSpan());
            }
        }
        return result;
    }

    /// <summary>
    /// X̂ᵀX per group: the layer's input rows in the partly compressed model (<paramref name="compressed"/>) against
    /// the same rows in the dense model (<paramref name="dense"/>, the same chunks batch for batch), which
    /// <see cref="DenseOutputFit"/> needs to fit the layer to the dense model's output. Not symmetric.
    /// </summary>
    public static Matrix<double>[] CollectCross(CompressibleLayer layer, IReadOnlyList<FloatTensor> compressed,
        IReadOnlyList<FloatTensor> dense, int threads, CancellationToken cancellationToken)
    {
        var workers = Math.Max(1, Math.Min(threads, compressed.Count));
        var partial = new Matrix<double>[workers][];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken }, worker =>
        {
            var sums = partial[worker] = Enumerable.Range(0, layer.Groups).Select(_ => new Matrix<double>(layer.GroupInputs, layer.GroupInputs)).ToArray();
            for (var b = worker; b < compressed.Count; b += workers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                AddCross(layer, compressed[b], dense[b], sums);
            }
        });
        var result = partial[0];
        foreach (var other in partial.Skip(1))
            for (var g = 0; g < result.Length; g++)
                System.Numerics.Tensors.TensorPrimitives.Add(result[g].AsSpan(), other[g].AsSpan(), result[g].AsSpan());
        return result;
    }

    private static void AddCross(CompressibleLayer layer, FloatTensor compressed, FloatTensor dense, Matrix<double>[] sums)
    {
        var a = RowBuffer(layer, compressed);
        var d = RowBuffer(layer, dense);
        foreach (var block in RowBlocks(layer, compressed))
        {
            var va = a.Block(0, 0, block.Rows, layer.GroupInputs);
            var vd = d.Block(0, 0, block.Rows, layer.GroupInputs);
            FillRows(layer, compressed, block, va);
            FillRows(layer, dense, block, vd);
            MatrixProduct.MultiplyAdd(1.0, va, true, vd, false, 1.0, sums[block.Group]);
        }
    }

    /// <summary>Adds the input rows of one activation tensor to each group's accumulator.</summary>
    public static void Add(CompressibleLayer layer, FloatTensor input, GramMatrix[] grams)
    {
        var buffer = RowBuffer(layer, input);
        foreach (var block in RowBlocks(layer, input))
        {
            var view = buffer.Block(0, 0, block.Rows, layer.GroupInputs);
            FillRows(layer, input, block, view);
            grams[block.Group].Add(view);
        }
    }

    /// <summary>A block of up to <see cref="RowsPerBlock"/> input rows of one chunk and channel group.</summary>
    private readonly record struct RowBlock(int Chunk, int Group, int First, int Rows);

    /// <summary>Input rows per chunk and group: a convolution's output frames, or a linear layer's rows of features.</summary>
    private static int RowsOf(CompressibleLayer layer, FloatTensor input) => layer.Node.Operation switch
    {
        Conv1d conv => conv.OutputLength(input.Dim(2)),
        Linear linear => input.Values.Length / linear.InFeatures,
        _ => throw new ArgumentException($"node '{layer.Node.Name}' ({layer.Node.Operation.Kind}) has no weight matrix"),
    };

    private static Matrix<double> RowBuffer(CompressibleLayer layer, FloatTensor input) =>
        new(Math.Min(RowsPerBlock, RowsOf(layer, input)), layer.GroupInputs);

    /// <summary>Every block of input rows, chunk by chunk and group by group (a linear layer: one chunk, one group).</summary>
    private static IEnumerable<RowBlock> RowBlocks(CompressibleLayer layer, FloatTensor input)
    {
        var rows = RowsOf(layer, input);
        var chunks = layer.Node.Operation is Conv1d ? input.Dim(0) : 1;
        for (var chunk = 0; chunk < chunks; chunk++)
            for (var group = 0; group < layer.Groups; group++)
                for (var first = 0; first < rows; first += RowsPerBlock)
                    yield return new RowBlock(chunk, group, first, Math.Min(RowsPerBlock, rows - first));
    }

    private static void FillRows(CompressibleLayer layer, FloatTensor input, RowBlock block, Matrix<double> view)
    {
        if (layer.Node.Operation is Conv1d conv)
        {
            FillPatches(conv, input, block.Chunk, block.Group, block.First, view);
            return;
        }
        var features = layer.GroupInputs;
        for (var r = 0; r < block.Rows; r++)
        {
            var x = input.Values.AsSpan((block.First + r) * features, features);
            var row = view.Row(r);
            for (var j = 0; j < features; j++) row[j] = x[j];
        }
    }

    /// <summary>
    /// Writes the kernel patches of output frames <paramref name="firstFrame"/>, … (one per row of
    /// <paramref name="rows"/>) of chunk <paramref name="chunk"/> and group <paramref name="group"/> into the first
    /// in/groups × kernel columns of <paramref name="rows"/>: the layer's im2col input, the one home of that layout.
    /// </summary>
    public static void FillPatches(Conv1d conv, FloatTensor input, int chunk, int group, int firstFrame, Matrix<double> rows)
    {
        var length = input.Dim(2);
        var inPerGroup = conv.InChannels / conv.Groups;
        var k = conv.KernelSize;
        for (var i = 0; i < inPerGroup; i++)
        {
            var x = input.Values.AsSpan((chunk * conv.InChannels + group * inPerGroup + i) * length, length);
            for (var tap = 0; tap < k; tap++)
            {
                var offset = tap * conv.Dilation - conv.Padding;
                for (var r = 0; r < rows.Rows; r++)
                {
                    var s = (firstFrame + r) * conv.Stride + offset;
                    rows[r, i * k + tap] = s >= 0 && s < length ? x[s] : 0.0;
                }
            }
        }
    }
}
