using Dipper.Device.Gpio;
using Dipper.Device.Thermal;

namespace Dipper.Device.Service;

/// <summary>
/// What the status LED should say, from what the service is doing. Kept apart from the LED driver
/// so the rule (which a field operator learns by heart) is one small tested function.
/// </summary>
public static class ApplianceStatusRule
{
    /// <summary>
    /// Error beats everything (someone must act), an output folder that is read-only or gone included; then a
    /// full disk (someone must make room; calling waits for it); then heat, paused or throttled (someone should give the
    /// box air; it also explains a backlog, so it outranks one); then starting; then a backlog that grew
    /// since the last look (the appliance is falling behind the sequencer); then base calling while files
    /// are in flight; otherwise idle. <paramref name="thermal"/> is null without thermal control.
    /// </summary>
    public static ApplianceStatus From(ServicePhase phase, int filesInFlight, int backlog, int previousBacklog, ThermalState? thermal = null) => phase switch
    {
        ServicePhase.EngineFailed or ServicePhase.FolderUnavailable => ApplianceStatus.Error,
        ServicePhase.DiskFull => ApplianceStatus.DiskFull,
        _ when thermal is { Paused: true } or { Throttled: true } => ApplianceStatus.ThermalThrottling,
        ServicePhase.Starting => ApplianceStatus.Starting,
        _ when backlog > previousBacklog && backlog > 0 => ApplianceStatus.BacklogGrowing,
        _ when filesInFlight > 0 || backlog > 0 => ApplianceStatus.Basecalling,
        _ => ApplianceStatus.Idle,
    };
}
