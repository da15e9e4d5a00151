using Dipper.Compiler.Graph.Lowered;

namespace Dipper.Compiler.Verification;

/// <summary>What the Edge TPU would do with one operator, and why.</summary>
/// <param name="Index">Position in execution order.</param>
/// <param name="Operator">TFLite builtin name, e.g. "CONV_2D".</param>
/// <param name="Name">Source node name.</param>
/// <param name="OutputShape">Output tensor shape.</param>
/// <param name="Supported">True when the Edge TPU runs this operator as it is.</param>
/// <param name="Problems">Rules the operator breaks; empty when supported.</param>
public sealed record EdgeTpuOperator(int Index, string Operator, string Name, string OutputShape, bool Supported, IReadOnlyList<string> Problems);

/// <summary>
/// The graph checked against the Edge TPU's published rules (edge.md §2), without the Edge TPU
/// compiler: supported operators and their constraints, int8 tensors, static shapes, at most three
/// dimensions above 1 per tensor, and parameters against the 8 MB of on-chip memory. The compiler
/// maps operators in order until the first one it cannot, and everything from there runs on the CPU.
/// </summary>
public sealed class EdgeTpuCheck
{
    /// <summary>On-chip SRAM for caching parameters (about 8 MB).</summary>
    public const long OnChipBytes = 8L * 1024 * 1024;

    private static readonly Dictionary<LoweredOpKind, string> Names = new()
    {
        [LoweredOpKind.Pad] = "PAD",
        [LoweredOpKind.Conv2D] = "CONV_2D",
        [LoweredOpKind.DepthwiseConv2D] = "DEPTHWISE_CONV_2D",
        [LoweredOpKind.TransposeConv] = "TRANSPOSE_CONV",
        [LoweredOpKind.Add] = "ADD",
        [LoweredOpKind.Mul] = "MUL",
        [LoweredOpKind.Logistic] = "LOGISTIC",
        [LoweredOpKind.Relu] = "RELU",
        [LoweredOpKind.Relu6] = "RELU6",
        [LoweredOpKind.Reshape] = "RESHAPE",
        [LoweredOpKind.LogSoftmax] = "LOG_SOFTMAX",
    };

    // The Edge TPU's operator table (Coral, as quoted in edge.md §2); LOG_SOFTMAX is not in it.
    private static readonly HashSet<LoweredOpKind> EdgeTpuOperators =
    [
        LoweredOpKind.Pad, LoweredOpKind.Conv2D, LoweredOpKind.DepthwiseConv2D, LoweredOpKind.TransposeConv, LoweredOpKind.Add, LoweredOpKind.Mul,
        LoweredOpKind.Logistic, LoweredOpKind.Relu, LoweredOpKind.Relu6, LoweredOpKind.Reshape,
    ];

    private EdgeTpuCheck(IReadOnlyList<EdgeTpuOperator> operators, long parameterBytes)
    {
        Operators = operators;
        ParameterBytes = parameterBytes;
    }

    /// <summary>Every operator in execution order.</summary>
    public IReadOnlyList<EdgeTpuOperator> Operators { get; }

    /// <summary>Bytes of constant data (int8 weights, int32 biases, shapes).</summary>
    public long ParameterBytes { get; }

    /// <summary>Parameter bytes that fit on chip and are cached there across inferences.</summary>
    public long CachedBytes => Math.Min(ParameterBytes, OnChipBytes);

    /// <summary>Parameter bytes that would stream over USB on every inference.</summary>
    public long StreamedBytes => ParameterBytes - CachedBytes;

    /// <summary>The first operator the Edge TPU cannot run: from it on, the graph runs on the CPU. Null when all map.</summary>
    public EdgeTpuOperator? FirstCpuOperator => Operators.FirstOrDefault(o => !o.Supported);

    /// <summary>Operators that would run on the Edge TPU (those before the cut).</summary>
    public int MappedOperators => FirstCpuOperator?.Index ?? Operators.Count;

    /// <summary>True when the operator kind is in the Edge TPU's operator table.</summary>
    public static bool IsEdgeTpuOperator(LoweredOpKind kind) => EdgeTpuOperators.Contains(kind);

    /// <summary>TFLite's name for a lowered operator.</summary>
    public static string TfliteName(LoweredOpKind kind) => Names[kind];

    /// <summary>Checks a lowered graph.</summary>
    public static EdgeTpuCheck Of(LoweredGraph graph)
    {
        var operators = new List<EdgeTpuOperator>();
        for (var i = 0; i < graph.Operators.Count; i++)
        {
            var op = graph.Operators[i];
            var problems = new List<string>();
            if (!EdgeTpuOperators.Contains(op.Kind))
                problems.Add($"{Names[op.Kind]} is not an Edge TPU operator");
            foreach (var index in op.Inputs.Append(op.Output))
            {
                var tensor = graph.Tensors[index];
                if (tensor.IsConstant && tensor.Type == ElementType.Int32) continue; // biases, shapes and paddings are int32 by design
                if (tensor.Type != ElementType.Int8)
                    problems.Add($"tensor '{tensor.Name}' is {tensor.Type}, not int8");
                if (tensor.Shape.Any(d => d <= 0))
                    problems.Add($"tensor '{tensor.Name}' {tensor.ShapeText} has no static shape");
                if (!tensor.IsConstant && tensor.NonUnitDimensions > 3)
                    problems.Add($"tensor '{tensor.Name}' {tensor.ShapeText} has {tensor.NonUnitDimensions} dimensions above 1 (at most 3)");
                if (!tensor.IsConstant && tensor.Shape.Length > 3 && tensor.Shape.Take(tensor.Shape.Length - 3).Any(d => d > 1))
                    problems.Add($"tensor '{tensor.Name}' {tensor.ShapeText}: only the 3 innermost dimensions may be above 1");
            }
            var output = graph.Tensors[op.Output];
            operators.Add(new EdgeTpuOperator(i, Names[op.Kind], op.Name, output.ShapeText, problems.Count == 0, problems.Distinct().ToList()));
        }
        var parameterBytes = graph.Tensors.Where(t => t.IsConstant).Sum(t => t.ByteCount);
        return new EdgeTpuCheck(operators, parameterBytes);
    }
}
