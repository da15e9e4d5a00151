using Dipper.Device.Gpio;
using Dipper.Device.Service;
using Dipper.Device.Thermal;
using Dipper.Tpu.EdgeTpu;

namespace Dipper.Device.Tests.Service;

public class ApplianceStatusRuleTests
{
    [Theory]
    [InlineData(ServicePhase.EngineFailed, 2, 5, 1, ApplianceStatus.Error)]
    [InlineData(ServicePhase.Starting, 0, 3, 0, ApplianceStatus.Starting)]
    [InlineData(ServicePhase.Running, 1, 4, 2, ApplianceStatus.BacklogGrowing)]
    [InlineData(ServicePhase.Running, 1, 4, 4, ApplianceStatus.Basecalling)]
    [InlineData(ServicePhase.Running, 1, 0, 0, ApplianceStatus.Basecalling)]
    [InlineData(ServicePhase.Running, 0, 2, 3, ApplianceStatus.Basecalling)]
    [InlineData(ServicePhase.Running, 0, 0, 3, ApplianceStatus.Idle)]
    [InlineData(ServicePhase.Stopping, 0, 0, 0, ApplianceStatus.Idle)]
    public void Led_shows_error_first_then_starting_then_a_growing_backlog_then_work(
        ServicePhase phase, int inFlight, int backlog, int previousBacklog, ApplianceStatus expected)
    {
        Assert.Equal(expected, ApplianceStatusRule.From(phase, inFlight, backlog, previousBacklog));
    }

    [Theory]
    [InlineData(ServicePhase.DiskFull, false, ApplianceStatus.DiskFull)]
    [InlineData(ServicePhase.DiskFull, true, ApplianceStatus.DiskFull)]
    [InlineData(ServicePhase.FolderUnavailable, true, ApplianceStatus.Error)]
    [InlineData(ServicePhase.FolderUnavailable, false, ApplianceStatus.Error)]
    public void Led_shows_a_full_disk_or_a_gone_output_folder_before_heat_and_a_backlog(ServicePhase phase, bool hot, ApplianceStatus expected)
    {
        // A full disk holds the backlog back (4 > 2): the LED names the cause, which a person must fix, even on a hot box.
        Assert.Equal(expected, ApplianceStatusRule.From(phase, 0, 4, 2, Thermal(paused: hot, throttled: hot)));
    }

    [Fact]
    public void Every_status_has_a_rhythm_of_its_own_on_a_single_colour_led()
    {
        var patterns = BlinkPatterns.CreateDefaults();
        Assert.Equal(Enum.GetValues<ApplianceStatus>().Order(), patterns.Keys.Order());
        var rhythms = patterns.Values.Select(p => string.Join(",", p.SingleColourRuns().Select(r => $"{r.Lit}/{r.Duration.TotalMilliseconds}"))).ToList();
        Assert.Equal(rhythms.Count, rhythms.Distinct().Count());
    }

    private static ThermalState Thermal(bool paused, bool throttled) =>
        new(EdgeTpuPerformance.High, paused, throttled, 80, "cpu-thermal", DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(ServicePhase.Running, true, true, ApplianceStatus.ThermalThrottling)]
    [InlineData(ServicePhase.Running, false, true, ApplianceStatus.ThermalThrottling)]
    [InlineData(ServicePhase.Starting, false, true, ApplianceStatus.ThermalThrottling)]
    [InlineData(ServicePhase.EngineFailed, true, true, ApplianceStatus.Error)]
    [InlineData(ServicePhase.Running, false, false, ApplianceStatus.BacklogGrowing)]
    public void Led_shows_heat_after_errors_but_before_anything_else(ServicePhase phase, bool paused, bool throttled, ApplianceStatus expected)
    {
        // A growing backlog (4 > 2) is what a throttled or paused box produces; the LED names the cause.
        Assert.Equal(expected, ApplianceStatusRule.From(phase, 1, 4, 2, Thermal(paused, throttled)));
    }
}
