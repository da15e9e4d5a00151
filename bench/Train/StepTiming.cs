namespace Dipper.Bench.Train;

/// <summary>One training step as measured: its seconds, the seconds of its loss's forward and backward, its loss.</summary>
internal sealed record StepTiming(double Seconds, double LossSeconds, double Loss);
