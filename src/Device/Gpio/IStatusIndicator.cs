namespace Dipper.Device.Gpio;

/// <summary>
/// Something that shows the appliance status to a person: a single LED, an RGB LED, both, or
/// nothing when no GPIO is present. The service talks to this and never to pins.
/// </summary>
public interface IStatusIndicator
{
    /// <summary>Switches to the pattern for <paramref name="status"/>; showing the current status again does not restart it.</summary>
    void Show(ApplianceStatus status);
}
