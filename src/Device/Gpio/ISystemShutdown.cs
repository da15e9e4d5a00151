namespace Dipper.Device.Gpio;

/// <summary>
/// Asks the operating system to power the appliance off. An interface so a long press can be tested
/// without shutting the test machine down, and so the service can choose how (systemd, a script).
/// </summary>
public interface ISystemShutdown
{
    /// <summary>Requests a power-off; returns once the request is made, not when the machine is off.</summary>
    void RequestPowerOff();
}
