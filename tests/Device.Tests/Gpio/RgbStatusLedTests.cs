using System.Device.Gpio;
using Dipper.Device.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Gpio;

public class RgbStatusLedTests
{
    private const int Red = 5, Green = 6, Blue = 13;
    private readonly FakeTimeProvider _time = new();

    private (bool R, bool G, bool B) Lit(FakeGpioDriver driver, bool activeLow) =>
        ((driver.Level(Red) == PinValue.High) != activeLow,
         (driver.Level(Green) == PinValue.High) != activeLow,
         (driver.Level(Blue) == PinValue.High) != activeLow);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_status_shows_its_colour_and_common_anode_inverts_the_pins(bool activeLow)
    {
        var driver = new FakeGpioDriver(_time);
        using var led = new RgbStatusLed(new GpioController(driver), Red, Green, Blue, activeLow, _time, shouldDispose: true);
        Assert.Equal((false, false, false), Lit(driver, activeLow));

        led.Show(ApplianceStatus.Error);
        Assert.Equal((true, false, false), Lit(driver, activeLow));
        led.Show(ApplianceStatus.BacklogGrowing);
        Assert.Equal((true, true, false), Lit(driver, activeLow));
        led.Show(ApplianceStatus.ThermalThrottling);
        Assert.Equal((true, false, true), Lit(driver, activeLow));
        led.Show(ApplianceStatus.Idle);
        Assert.Equal((false, true, false), Lit(driver, activeLow));
        _time.Step(TimeSpan.FromMilliseconds(150)); // idle's flash is 100 ms
        Assert.Equal((false, false, false), Lit(driver, activeLow));
        if (activeLow) Assert.Equal(PinValue.High, driver.Level(Green));
    }

    [Fact]
    public void Dispose_closes_the_pins_and_the_controller_when_handed_over()
    {
        var driver = new FakeGpioDriver(_time);
        var led = new RgbStatusLed(new GpioController(driver), Red, Green, Blue, activeLow: false, _time, shouldDispose: true);
        led.Show(ApplianceStatus.Starting);
        led.Dispose();
        Assert.Empty(driver.OpenPins);
        Assert.True(driver.Disposed);
    }
}
