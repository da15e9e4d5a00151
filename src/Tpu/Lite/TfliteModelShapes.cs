namespace Dipper.Tpu.Lite;

/// <summary>Input and output tensor shapes of a TFLite model's main subgraph, as stored in the file.</summary>
/// <param name="Inputs">Each input's dimensions, outermost first.</param>
/// <param name="Outputs">Each output's dimensions, outermost first.</param>
public sealed record TfliteModelShapes(IReadOnlyList<int[]> Inputs, IReadOnlyList<int[]> Outputs);
