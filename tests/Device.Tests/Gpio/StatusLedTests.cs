using System.Device.Gpio;
using Dipper.Device.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Gpio;

public class StatusLedTests
{
    private const int Pin = 27;
    private readonly FakeTimeProvider _time = new();

    private (FakeGpioDriver Driver, GpioController Controller) NewChip()
    {
        var driver = new FakeGpioDriver(_time);
        return (driver, new GpioController(driver));
    }

    public static TheoryData<ApplianceStatus> Statuses() => new(Enum.GetValues<ApplianceStatus>());

    [Theory]
    [MemberData(nameof(Statuses))]
    public void Each_status_blinks_its_pattern_step_by_step_over_fake_time(ApplianceStatus status)
    {
        var (driver, controller) = NewChip();
        using var led = new StatusLed(controller, Pin, activeLow: false, _time, shouldDispose: true);
        var pattern = BlinkPatterns.CreateDefaults()[status];
        var start = _time.GetUtcNow();
        driver.Writes.Clear();

        led.Show(status);
        _time.Step(pattern.Period * 3);

        var writes = driver.WritesTo(Pin).ToList();
        var steps = pattern.Steps.Count;
        Assert.True(writes.Count >= 3 * steps, $"expected a write per step, got {writes.Count}");
        var elapsed = TimeSpan.Zero;
        for (var i = 0; i < 3 * steps; i++)
        {
            var step = pattern.Steps[i % steps];
            Assert.Equal(step.Colour.IsLit ? PinValue.High : PinValue.Low, writes[i].Value);
            Assert.Equal(elapsed, writes[i].At - start);
            elapsed += step.Duration;
        }
    }

    [Fact]
    public void Active_low_led_is_lit_by_a_low_pin_and_starts_dark()
    {
        var (driver, controller) = NewChip();
        using var led = new StatusLed(controller, Pin, activeLow: true, _time);
        Assert.Equal(PinValue.High, driver.Level(Pin)); // dark before any status

        led.Show(ApplianceStatus.Basecalling); // 900 ms lit, 100 ms dark
        Assert.Equal(PinValue.Low, driver.Level(Pin));
        _time.Step(TimeSpan.FromMilliseconds(950));
        Assert.Equal(PinValue.High, driver.Level(Pin));
    }

    [Fact]
    public void All_statuses_are_distinguishable_on_a_single_colour_led()
    {
        var patterns = BlinkPatterns.CreateDefaults();
        Assert.Equal(Enum.GetValues<ApplianceStatus>().Length, patterns.Count);
        var seen = new Dictionary<string, ApplianceStatus>();
        foreach (var (status, pattern) in patterns)
        {
            // A rhythm started at a different step is the same rhythm to an observer: compare every rotation.
            var runs = pattern.SingleColourRuns();
            var rotations = Enumerable.Range(0, runs.Count)
                .Select(r => string.Join(",", runs.Skip(r).Concat(runs.Take(r)).Select(x => $"{(x.Lit ? '+' : '-')}{x.Duration.TotalMilliseconds}")))
                .ToList();
            foreach (var rotation in rotations)
                Assert.False(seen.TryGetValue(rotation, out var other), $"{status} looks like {other} on a single-colour LED ({rotation})");
            seen[rotations[0]] = status;
        }
    }

    [Fact]
    public void New_status_switches_at_once_and_repeating_a_status_does_not_restart_it()
    {
        var (driver, controller) = NewChip();
        using var led = new StatusLed(controller, Pin, activeLow: false, _time);
        led.Show(ApplianceStatus.Idle); // 100 ms on, 1900 ms off
        _time.Step(TimeSpan.FromMilliseconds(500));
        Assert.Equal(PinValue.Low, driver.Level(Pin));

        led.Show(ApplianceStatus.Idle);
        Assert.Equal(PinValue.Low, driver.Level(Pin)); // still in the dark part: not restarted

        led.Show(ApplianceStatus.Error);
        Assert.Equal(PinValue.High, driver.Level(Pin)); // error's first step lights at once
        Assert.Equal(ApplianceStatus.Error, led.Status);
    }

    [Fact]
    public void Disposed_led_is_dark_stops_blinking_and_releases_its_pin()
    {
        var (driver, controller) = NewChip();
        var led = new StatusLed(controller, Pin, activeLow: false, _time);
        led.Show(ApplianceStatus.Error);
        led.Dispose();
        var writes = driver.Writes.Count;
        Assert.Equal(PinValue.Low, driver.Level(Pin));
        _time.Step(TimeSpan.FromSeconds(5));
        Assert.Equal(writes, driver.Writes.Count);
        Assert.DoesNotContain(Pin, driver.OpenPins);
        Assert.False(driver.Disposed); // the controller was not handed over
    }

    [Fact]
    public void Steady_pattern_writes_once_and_sets_no_timer()
    {
        var (driver, controller) = NewChip();
        var steady = new Dictionary<ApplianceStatus, BlinkPattern>(BlinkPatterns.CreateDefaults())
        {
            [ApplianceStatus.Basecalling] = new BlinkPattern(new BlinkStep(LedColour.GreenOnly, TimeSpan.FromSeconds(1))),
        };
        using var led = new StatusLed(controller, Pin, activeLow: false, _time, steady);
        driver.Writes.Clear();
        led.Show(ApplianceStatus.Basecalling);
        _time.Step(TimeSpan.FromSeconds(10));
        Assert.Single(driver.WritesTo(Pin));
        Assert.Equal(PinValue.High, driver.Level(Pin));
    }
}
