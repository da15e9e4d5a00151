using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Verification;

namespace Dipper.Compiler.Costing;

/// <summary>
/// Estimates how long a USB Coral Edge TPU takes to run a lowered int8 graph, operator by operator, from
/// the multiply-adds, the activation bytes and the kind of each operator. There is no Edge TPU here, so
/// every figure it gives is an estimate, and is printed as one.
/// </summary>
/// <remarks>
/// <para>The constants come from two sources (../shared/research/coral.md §1 and §3):</para>
/// <list type="bullet">
/// <item>Published: 4 TOPS int8 (2·10¹² multiply-adds/s), 8 MB of on-chip memory for parameters, input and
/// output over USB 3 (5 Gb/s with 8b/10b coding: 500 MB/s).</item>
/// <item>Fitted to coral-benchmark's figures (4 × 1668 frames, int8, time per block per chunk):
/// baseline_io (17.0–22.1 µs at 96–320 channels) gives a fixed cost per invocation of about 580 µs and
/// 16.3 GB/s for activations moving through on-chip memory (its slope over the channel count); the
/// depthwise k5 layer (50.5–211.4 µs) gives 24.5·10⁹ tap·values/s, and its jump between 224 and 256
/// channels (×1.85) is where a layer's input and output together pass 3 MiB.</item>
/// </list>
/// <para>Assumed, not measured by anyone here: dense convolutions run on a 64 × 64 multiply-add array,
/// the reduction (input channels × taps) along one side and the output channels along the other, so
/// channel counts that are not multiples of 64 leave part of it idle. No published figure times a dense
/// convolution on the Edge TPU, so this part of the model is the least certain.</para>
/// </remarks>
public static class EdgeTpuCostModel
{
    /// <summary>Published peak: 4 TOPS int8, i.e. 2·10¹² multiply-adds per second.</summary>
    public const double PeakMacsPerSecond = 2e12;

    /// <summary>Side of the multiply-add array (64 × 64 × 500 MHz = the published 4 TOPS).</summary>
    public const int ArraySide = 64;

    /// <summary>USB 3 (5 Gb/s, 8b/10b coded) in bytes per second, for input, output and streamed parameters.</summary>
    public const double UsbBytesPerSecond = 500e6;

    /// <summary>Fixed cost of one invocation, fitted to coral-benchmark's baseline_io.</summary>
    public const double InvocationMicroseconds = 580;

    /// <summary>Activation bytes per second through on-chip memory, fitted to baseline_io's growth with the channel count.</summary>
    public const double ActivationBytesPerSecond = 16.3e9;

    /// <summary>Depthwise tap·values per second, fitted to coral-benchmark's depthwise k5 layer at 96–224 channels.</summary>
    public const double DepthwiseTapsPerSecond = 24.5e9;

    /// <summary>Input plus output activation bytes above which an operator slows down (fitted: between 224 and 256 channels of 4 × 1668 frames).</summary>
    public const long ActivationBudgetBytes = 3L << 20;

    /// <summary>How much slower an operator over <see cref="ActivationBudgetBytes"/> runs (fitted at 256 and 320 channels).</summary>
    public const double OverBudgetSlowdown = 1.85;

    /// <summary>Estimates every operator of <paramref name="graph"/> and the whole invocation.</summary>
    public static ModelCostEstimate Estimate(LoweredGraph graph)
    {
        var operators = new List<OperatorCost>();
        var onCpu = false;
        for (var i = 0; i < graph.Operators.Count; i++)
        {
            var op = graph.Operators[i];
            // The Edge TPU compiler maps operators in order until the first it cannot run; the rest run on the CPU.
            onCpu |= !EdgeTpuCheck.IsEdgeTpuOperator(op.Kind);
            operators.Add(onCpu
                ? new OperatorCost(i, EdgeTpuCheck.TfliteName(op.Kind), op.Name, Macs(graph, op), ActivationBytes(graph, op), 0, CostBound.Cpu)
                : Operator(graph, i));
        }
        var cpuInput = operators.FirstOrDefault(o => o.Bound == CostBound.Cpu) is { } cut
            ? graph.Tensors[graph.Operators[cut.Index].FirstActivation]
            : graph.OutputTensor;
        var transfer = (graph.InputTensor.ElementCount + cpuInput.ElementCount) / UsbBytesPerSecond * 1e6;
        var parameters = graph.Tensors.Where(t => t.IsConstant).Sum(t => t.ElementCount * (t.Type == ElementType.Int32 ? 4 : 1));
        var streamed = Math.Max(0, parameters - EdgeTpuCheck.OnChipBytes) / UsbBytesPerSecond * 1e6;
        return new ModelCostEstimate(operators, InvocationMicroseconds, transfer, streamed, graph.Batch, graph.Samples);
    }

    /// <summary>The estimate for operator <paramref name="index"/>, as if the Edge TPU runs it.</summary>
    public static OperatorCost Operator(LoweredGraph graph, int index)
    {
        var op = graph.Operators[index];
        var macs = Macs(graph, op);
        var bytes = ActivationBytes(graph, op);
        var memory = bytes / ActivationBytesPerSecond * 1e6;
        var (time, bound) = op.Kind switch
        {
            LoweredOpKind.Reshape => (0.0, CostBound.Free),
            // A transposed convolution is estimated as the dense convolution of the same multiply-adds (coral.md gives no figure of its own).
            LoweredOpKind.Conv2D or LoweredOpKind.TransposeConv => Larger(macs / (PeakMacsPerSecond * ArrayUse(graph, op)) * 1e6, CostBound.Compute, memory),
            LoweredOpKind.DepthwiseConv2D => Larger(macs / DepthwiseTapsPerSecond * 1e6, CostBound.DepthwiseTaps, memory),
            _ => (memory, CostBound.Memory),
        };
        if (bytes > ActivationBudgetBytes) time *= OverBudgetSlowdown;
        return new OperatorCost(index, EdgeTpuCheck.TfliteName(op.Kind), op.Name, macs, bytes, time, bound);
    }

    private static (double, CostBound) Larger(double work, CostBound bound, double memory) =>
        work >= memory ? (work, bound) : (memory, CostBound.Memory);

    /// <summary>Multiply-adds: output values × taps × input channels per output (1 for depthwise).</summary>
    private static long Macs(LoweredGraph graph, LoweredOperator op)
    {
        var output = graph.Tensors[op.Output];
        return op.Kind switch
        {
            // Filter [out, 1, k, in].
            LoweredOpKind.Conv2D => output.ElementCount * Filter(graph, op).Shape[2] * Filter(graph, op).Shape[3],
            // Filter [1, 1, k, channels].
            LoweredOpKind.DepthwiseConv2D => output.ElementCount * Filter(graph, op).Shape[2],
            // Filter [out, 1, k, in]: every input frame meets every tap, so input values × out × k.
            LoweredOpKind.TransposeConv => graph.Tensors[op.FirstActivation].ElementCount * Filter(graph, op).Shape[0] * Filter(graph, op).Shape[2],
            _ => 0,
        };
    }

    private static LoweredTensor Filter(LoweredGraph graph, LoweredOperator op) => graph.Tensors[op.FilterInput];

    /// <summary>Share of the multiply-add array a dense convolution keeps busy: reduction and output channels each rounded up to whole tiles.</summary>
    private static double ArrayUse(LoweredGraph graph, LoweredOperator op)
    {
        var filter = Filter(graph, op);
        static double Use(int n) => n / (double)(ArraySide * ((n + ArraySide - 1) / ArraySide));
        // A transposed convolution is the product of each input frame [in] with [in, out × k]: it reduces over the input channels only.
        return op.Kind == LoweredOpKind.TransposeConv
            ? Use(filter.Shape[3]) * Use(filter.Shape[0] * filter.Shape[2])
            : Use(filter.Shape[2] * filter.Shape[3]) * Use(filter.Shape[0]);
    }

    /// <summary>Activation (non-constant) inputs and the output, one byte per int8 value.</summary>
    private static long ActivationBytes(LoweredGraph graph, LoweredOperator op) =>
        op.Inputs.Select(i => graph.Tensors[i]).Where(t => !t.IsConstant).Sum(t => t.ElementCount) + graph.Tensors[op.Output].ElementCount;
}
