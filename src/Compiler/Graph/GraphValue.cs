namespace Dipper.Compiler.Graph;

/// <summary>A named graph input or output and its declared shape (with run-time dimensions named).</summary>
/// <param name="Name">The value's name, e.g. "signal" or "logprobs"; engines bind tensors by it.</param>
/// <param name="Shape">Declared shape.</param>
public sealed record GraphValue(string Name, TensorShape Shape);
