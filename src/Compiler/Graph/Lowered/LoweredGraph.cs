namespace Dipper.Compiler.Graph.Lowered;

/// <summary>
/// A network in the form TFLite and the Edge TPU run it: fixed shapes, NHWC tensors of
/// [1, batch, time, channels] (the batch of chunks folded into the image height, so no tensor has
/// more than three dimensions above 1), and TFLite builtin operators. The float and the int8 model
/// are the same graph with different tensor types; the TFLite exporter writes either, the int8
/// reference runs the quantised one, and the Edge TPU report checks it.
/// </summary>
public sealed class LoweredGraph
{
    /// <summary>Creates a graph.</summary>
    public LoweredGraph(string name, IReadOnlyList<LoweredTensor> tensors, IReadOnlyList<LoweredOperator> operators,
        int input, int output, int batch, int samples, bool outputIsLogits)
    {
        Name = name;
        Tensors = tensors.ToArray();
        Operators = operators.ToArray();
        Input = input;
        Output = output;
        Batch = batch;
        Samples = samples;
        OutputIsLogits = outputIsLogits;
    }

    /// <summary>Model name.</summary>
    public string Name { get; }

    /// <summary>Every tensor; operators refer to them by index.</summary>
    public IReadOnlyList<LoweredTensor> Tensors { get; }

    /// <summary>Operators in execution order.</summary>
    public IReadOnlyList<LoweredOperator> Operators { get; }

    /// <summary>Index of the input tensor: normalised signal [batch, samples, 1].</summary>
    public int Input { get; }

    /// <summary>Index of the output tensor: [batch, frames, classes].</summary>
    public int Output { get; }

    /// <summary>Chunks per invocation.</summary>
    public int Batch { get; }

    /// <summary>Samples per chunk.</summary>
    public int Samples { get; }

    /// <summary>
    /// True when the output holds class scores and the log-softmax is left to the host (see
    /// <c>LowerToNhwc</c> for why); false when it already holds log-probabilities.
    /// </summary>
    public bool OutputIsLogits { get; }

    /// <summary>The input tensor.</summary>
    public LoweredTensor InputTensor => Tensors[Input];

    /// <summary>The output tensor.</summary>
    public LoweredTensor OutputTensor => Tensors[Output];

    /// <summary>A copy with the tensors replaced (same count and order), as quantisation does.</summary>
    public LoweredGraph WithTensors(IReadOnlyList<LoweredTensor> tensors)
    {
        if (tensors.Count != Tensors.Count) throw new ArgumentException($"expected {Tensors.Count} tensors, got {tensors.Count}", nameof(tensors));
        return new LoweredGraph(Name, tensors, Operators, Input, Output, Batch, Samples, OutputIsLogits);
    }
}
