namespace Dipper.Device.Gpio;

/// <summary>
/// What the appliance is doing, as far as someone looking at the box needs to know. Each value has
/// its own blink pattern so the state can be read from across the lab without a screen.
/// </summary>
public enum ApplianceStatus
{
    /// <summary>The service is loading the model and opening the engines.</summary>
    Starting,

    /// <summary>Running and waiting for signal files.</summary>
    Idle,

    /// <summary>Reads are being base called and the backlog is steady or shrinking.</summary>
    Basecalling,

    /// <summary>The sequencer writes faster than the appliance calls: the backlog is growing.</summary>
    BacklogGrowing,

    /// <summary>The Edge TPU was slowed down or paused because the box is too hot.</summary>
    ThermalThrottling,

    /// <summary>Something needs a person: no model, no engine, output folder unwritable or gone.</summary>
    Error,

    /// <summary>The output (or state) folder's disk is full: calling waits until someone makes room.</summary>
    DiskFull,
}
