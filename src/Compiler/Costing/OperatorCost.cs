namespace Dipper.Compiler.Costing;

/// <summary>What limits an operator's estimated Edge TPU time.</summary>
public enum CostBound
{
    /// <summary>Multiply-adds on the systolic array (dense convolutions with many channels).</summary>
    Compute,

    /// <summary>Moving activations through on-chip memory (elementwise operators, thin convolutions).</summary>
    Memory,

    /// <summary>A depthwise convolution's taps, each a pass over the activation (coral-benchmark's depthwise figures).</summary>
    DepthwiseTaps,

    /// <summary>Costs nothing on the Edge TPU (a RESHAPE only relabels the tensor).</summary>
    Free,

    /// <summary>Runs on the CPU, after the Edge TPU's part of the graph; not estimated.</summary>
    Cpu,
}

/// <summary>
/// One operator's estimated time on a USB Edge TPU, from its multiply-adds, activation bytes and kind
/// (<see cref="EdgeTpuCostModel"/>). An estimate, not a measurement: there is no Edge TPU here.
/// </summary>
/// <param name="Index">Position in execution order.</param>
/// <param name="Operator">TFLite builtin name, e.g. "DEPTHWISE_CONV_2D".</param>
/// <param name="Name">Source node name.</param>
/// <param name="Macs">Multiply-adds per invocation (0 for elementwise operators).</param>
/// <param name="ActivationBytes">int8 activation bytes read and written per invocation.</param>
/// <param name="Microseconds">Estimated time per invocation (0 on the CPU: not estimated).</param>
/// <param name="Bound">What limits it.</param>
public sealed record OperatorCost(int Index, string Operator, string Name, long Macs, long ActivationBytes, double Microseconds, CostBound Bound);
