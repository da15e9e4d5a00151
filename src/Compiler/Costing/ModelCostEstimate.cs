namespace Dipper.Compiler.Costing;

/// <summary>
/// A whole model's estimated time per invocation on a USB Edge TPU: a fixed cost per invocation, the
/// input and output over USB, parameters that do not fit on chip streamed over USB, and the operators
/// the Edge TPU runs. An estimate by <see cref="EdgeTpuCostModel"/>, not a measurement.
/// </summary>
/// <param name="Operators">Every operator's estimate, in execution order (those on the CPU at 0).</param>
/// <param name="InvocationMicroseconds">Fixed cost of one invocation (driver, USB round trips).</param>
/// <param name="TransferMicroseconds">Input and output tensors over USB.</param>
/// <param name="StreamedParameterMicroseconds">Parameters beyond the on-chip cache, streamed over USB on every invocation.</param>
/// <param name="Batch">Chunks per invocation.</param>
/// <param name="Samples">Samples per chunk.</param>
public sealed record ModelCostEstimate(IReadOnlyList<OperatorCost> Operators, double InvocationMicroseconds, double TransferMicroseconds,
    double StreamedParameterMicroseconds, int Batch, int Samples)
{
    /// <summary>The operators' share: their estimated times summed.</summary>
    public double OperatorMicroseconds => Operators.Sum(o => o.Microseconds);

    /// <summary>Estimated time of one invocation (one batch of chunks).</summary>
    public double Microseconds => InvocationMicroseconds + TransferMicroseconds + StreamedParameterMicroseconds + OperatorMicroseconds;

    /// <summary>Chunk samples per second the Edge TPU would take in (overlapping chunk ends counted each time they are sent).</summary>
    public double SamplesPerSecond => Batch * (double)Samples / (Microseconds * 1e-6);

    /// <summary>Operators that run on the CPU (not estimated).</summary>
    public int CpuOperators => Operators.Count(o => o.Bound == CostBound.Cpu);
}
