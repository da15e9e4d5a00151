namespace Dipper.Device.Gpio;

/// <summary>Stands in for the LEDs when the board has no GPIO, so callers need no null checks.</summary>
public sealed class NoStatusIndicator : IStatusIndicator
{
    /// <inheritdoc/>
    public void Show(ApplianceStatus status)
    {
    }
}
