namespace Dipper.Device.Gpio;

/// <summary>Shows the same status on several indicators, e.g. a panel LED and an RGB LED on the lid.</summary>
public sealed class StatusIndicatorGroup(IReadOnlyList<IStatusIndicator> indicators) : IStatusIndicator
{
    /// <inheritdoc/>
    public void Show(ApplianceStatus status)
    {
        foreach (var indicator in indicators) indicator.Show(status);
    }
}
