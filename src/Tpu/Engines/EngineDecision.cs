namespace Dipper.Tpu.Engines;

/// <summary>The outcome of choosing an engine: which one, or why the requested one cannot run.</summary>
/// <param name="Kind">The engine to build (never <see cref="EngineKind.Auto"/>); meaningless when not <paramref name="Ok"/>.</param>
/// <param name="Ok">False when the requested engine cannot run; the command should exit non-zero with <paramref name="Message"/>.</param>
/// <param name="Message">One line for the user: which engine and why, or what is wrong and what to check.</param>
/// <param name="EdgeTpu">The Edge TPU probe, when it ran (its devices are the ones to open).</param>
public sealed record EngineDecision(EngineKind Kind, bool Ok, string Message, EdgeTpuAvailability? EdgeTpu);
