namespace Dipper.Tpu.Engines;

/// <summary>One engine of a <see cref="FailoverEngine"/>, as health reporting and <c>dipperd devices</c> show it.</summary>
/// <param name="Name">Engine name.</param>
/// <param name="Healthy">In service now.</param>
/// <param name="IsFallback">The last-resort engine (CPU), never taken out of service.</param>
/// <param name="LastError">Why it is out of service (or last failed), if it ever failed.</param>
/// <param name="Batches">Batches it computed.</param>
/// <param name="Failures">Batches it failed.</param>
public sealed record FailoverMemberStatus(string Name, bool Healthy, bool IsFallback, string? LastError, long Batches, long Failures);
