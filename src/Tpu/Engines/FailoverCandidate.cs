using Dipper.Basecaller.Inference;

namespace Dipper.Tpu.Engines;

/// <summary>
/// An engine the failover can lose and get back: how to open it and how to tell whether its hardware is
/// there again. For an Edge TPU, <see cref="Open"/> creates an <see cref="EdgeTpuEngine"/> for one device path
/// and <see cref="IsPresent"/> asks discovery whether that path is listed.
/// </summary>
/// <param name="Name">Engine name for logs and status.</param>
/// <param name="Open">Creates a fresh engine; may throw when the hardware cannot be opened.</param>
/// <param name="IsPresent">Whether the hardware is visible now (cheap; called at most once per recheck interval).</param>
public sealed record FailoverCandidate(string Name, Func<IInferenceEngine> Open, Func<bool> IsPresent);
