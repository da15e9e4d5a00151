namespace Dipper.Compiler.Verification;

/// <summary>
/// What the appliance's CPU computes with the int8 TFLite model (TFLite's arm64 kernels, reproduced by the managed
/// reference), measured on the first held-out reads that fit a chunk budget.
/// </summary>
/// <param name="WithFloat">Against the float model (ONNX Runtime), as the x86-64 int8 model is verified.</param>
/// <param name="WithX86Int8">Against the same int8 model run by TFLite's x86-64 kernels, the one verification gated on.</param>
/// <param name="Chunks">Chunks the reference ran (the reads' chunks, by the package's layout).</param>
/// <param name="MaxChunks">The budget the reads were chosen under (<c>--arm64-chunks</c>).</param>
/// <param name="HeldOutReads">Held-out reads there were; <c>WithFloat.Reads</c> of them fitted the budget.</param>
public sealed record Arm64Agreement(Agreement WithFloat, Agreement WithX86Int8, int Chunks, int MaxChunks, int HeldOutReads);
