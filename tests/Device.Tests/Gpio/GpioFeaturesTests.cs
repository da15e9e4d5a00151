using System.Device.Gpio;
using Dipper.Device.Gpio;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Gpio;

public sealed class GpioFeaturesTests : IDisposable
{
    private readonly string _dev = Directory.CreateTempSubdirectory("dipper-dev-").FullName;
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingLogger _log = new();

    public void Dispose() => Directory.Delete(_dev, recursive: true);

    private sealed class NoShutdown : ISystemShutdown
    {
        public void RequestPowerOff() => throw new InvalidOperationException("not in this test");
    }

    private GpioOptions Options() => new()
    {
        DeviceFolder = _dev,
        StatusLedPin = 27,
        RgbRedPin = 5,
        RgbGreenPin = 6,
        RgbBluePin = 13,
        SafeStopButtonPin = 17,
    };

    [Fact]
    public void Without_a_gpio_chip_every_gpio_feature_switches_off_with_one_log_line()
    {
        using var gpio = GpioFeatures.Start(Options(), new NoShutdown(), _time, _log);

        Assert.False(gpio.Enabled);
        Assert.IsType<NoStatusIndicator>(gpio.Indicator);
        Assert.Null(gpio.SafeStopButton);
        gpio.Indicator.Show(ApplianceStatus.Error); // harmless
        var line = Assert.Single(_log.Lines);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("GPIO off", line.Message);
        Assert.Contains("gpiochip", line.Message);
    }

    [Fact]
    public void Controller_that_cannot_be_opened_switches_gpio_off_with_one_log_line()
    {
        File.WriteAllText(Path.Combine(_dev, "gpiochip0"), "");
        using var gpio = GpioFeatures.Start(Options(), new NoShutdown(), _time, _log,
            () => throw new InvalidOperationException("libgpiod: permission denied"));

        Assert.False(gpio.Enabled);
        var line = Assert.Single(_log.Lines);
        Assert.Contains("permission denied", line.Message);
    }

    [Fact]
    public void No_pins_configured_means_no_controller_is_opened()
    {
        var opened = false;
        using var gpio = GpioFeatures.Start(new GpioOptions { DeviceFolder = _dev }, new NoShutdown(), _time, _log,
            () => { opened = true; throw new InvalidOperationException(); });
        Assert.False(gpio.Enabled);
        Assert.False(opened);
        Assert.Single(_log.Lines);
    }

    [Fact]
    public void Configured_leds_and_button_are_driven_through_the_controller()
    {
        var driver = new FakeGpioDriver(_time);
        using var gpio = GpioFeatures.Start(Options(), new NoShutdown(), _time, _log, () => new GpioController(driver));
        Assert.True(gpio.Enabled);
        Assert.Empty(_log.Lines);

        gpio.Indicator.Show(ApplianceStatus.Error);
        Assert.Equal(PinValue.High, driver.Level(27)); // single LED
        Assert.Equal(PinValue.High, driver.Level(5));  // RGB red
        Assert.Equal(PinValue.Low, driver.Level(6));

        var stops = 0;
        gpio.SafeStopButton!.SafeStopRequested += (_, _) => stops++;
        driver.SetInput(17, PinValue.Low);
        _time.Step(TimeSpan.FromMilliseconds(200));
        driver.SetInput(17, PinValue.High);
        _time.Step(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, stops);

        gpio.Dispose();
        Assert.Empty(driver.OpenPins);
        Assert.True(driver.Disposed);
    }
}
