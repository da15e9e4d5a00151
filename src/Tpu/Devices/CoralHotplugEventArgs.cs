namespace Dipper.Tpu.Devices;

/// <summary>A Coral appeared or disappeared on USB (including its re-enumeration after firmware load).</summary>
public sealed class CoralHotplugEventArgs(CoralDevice device, bool arrived) : EventArgs
{
    /// <summary>The device, as it was identified at the event.</summary>
    public CoralDevice Device { get; } = device;

    /// <summary>True when it arrived, false when it left.</summary>
    public bool Arrived { get; } = arrived;
}
