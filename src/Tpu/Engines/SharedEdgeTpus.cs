using Dipper.Tpu.EdgeTpu;

namespace Dipper.Tpu.Engines;

/// <summary>
/// The Edge TPUs of one process (one command or service run), each a <see cref="SharedEdgeTpu"/> that every
/// thread's engine for that TPU uses, so a TPU has one delegate however many threads call on it.
/// </summary>
public sealed class SharedEdgeTpus
{
    private readonly Lock gate = new();
    private readonly Dictionary<EdgeTpuDevice, SharedEdgeTpu> byDevice = [];

    /// <summary>The shared TPU for <paramref name="device"/>, the same object for every call with that device.</summary>
    public SharedEdgeTpu For(EdgeTpuDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (gate)
        {
            if (!byDevice.TryGetValue(device, out var shared))
            {
                shared = new SharedEdgeTpu(device);
                byDevice.Add(device, shared);
            }
            return shared;
        }
    }
}
