namespace Dipper.Compiler.Graph.Lowered;

/// <summary>Element types a lowered tensor can have: float32 for the float model, int8 activations and weights and int32 biases for the quantised one.</summary>
public enum ElementType
{
    /// <summary>IEEE float32.</summary>
    Float32,

    /// <summary>Signed 8-bit integer with an affine quantisation.</summary>
    Int8,

    /// <summary>Signed 32-bit integer (quantised biases, shape and padding constants).</summary>
    Int32,
}
