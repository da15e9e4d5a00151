using static TorchSharp.torch;

namespace Dipper.Bench.Train;

/// <summary>The one batch both sides train on: chunks [N, 1, T], CTC targets, and the teacher's log-probabilities.</summary>
internal sealed record TrainingBatch(Tensor Signal, Tensor Targets, Tensor TargetLengths, Tensor Frames, Tensor Teacher, double Temperature);
