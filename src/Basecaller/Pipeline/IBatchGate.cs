namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Lets a host hold batches back from the engines without stopping the pipeline: the appliance pauses its
/// Edge TPU above a hard temperature limit. The inference workers ask before each batch, so a batch already
/// running finishes, the next waits in its worker, and the bounded queues hold everything upstream where it
/// is; nothing is dropped and the files in flight are committed once the gate opens again.
/// </summary>
public interface IBatchGate
{
    /// <summary>Completes at once while the gate is open, otherwise when it opens (or when cancelled).</summary>
    ValueTask WaitUntilOpenAsync(CancellationToken cancellationToken);
}
