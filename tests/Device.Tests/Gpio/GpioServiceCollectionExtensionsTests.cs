using System.Device.Gpio;
using Dipper.Device.Gpio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Gpio;

public sealed class GpioServiceCollectionExtensionsTests : IDisposable
{
    private readonly string _dev = Directory.CreateTempSubdirectory("dipper-dev-").FullName;

    public void Dispose() => Directory.Delete(_dev, recursive: true);

    private sealed class NoShutdown : ISystemShutdown
    {
        public void RequestPowerOff()
        {
        }
    }

    private HostApplicationBuilder Builder(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(
            settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)).Append(new("Gpio:DeviceFolder", _dev)));
        builder.Services.AddSingleton<ISystemShutdown, NoShutdown>();
        return builder;
    }

    [Fact]
    public void Host_without_gpio_chip_gets_a_status_indicator_that_does_nothing()
    {
        var builder = Builder(("Gpio:StatusLedPin", "27"), ("Gpio:SafeStopButtonPin", "17"));
        builder.Services.AddApplianceGpio(builder.Configuration);
        using var host = builder.Build();

        Assert.IsType<NoStatusIndicator>(host.Services.GetRequiredService<IStatusIndicator>());
        Assert.Equal(27, host.Services.GetRequiredService<IOptions<GpioOptions>>().Value.StatusLedPin);
    }

    [Fact]
    public async Task Short_press_stops_the_host_and_the_led_shows_starting()
    {
        var time = new FakeTimeProvider();
        var driver = new FakeGpioDriver(time);
        var builder = Builder(("Gpio:StatusLedPin", "27"), ("Gpio:SafeStopButtonPin", "17"), ("Gpio:Debounce", "00:00:00.020"));
        builder.Services.AddSingleton(sp => GpioFeatures.Start(sp.GetRequiredService<IOptions<GpioOptions>>().Value,
            new NoShutdown(), time, NullLogger.Instance, () => new GpioController(driver)));
        builder.Services.AddApplianceGpio(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        Assert.Equal(PinValue.High, driver.Level(27)); // Starting's first step is lit
        driver.SetInput(17, PinValue.Low);
        time.Step(TimeSpan.FromMilliseconds(100));
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
        driver.SetInput(17, PinValue.High);
        time.Step(TimeSpan.FromMilliseconds(100));

        Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
        await host.StopAsync();
    }

    [Fact]
    public async Task Long_press_shorter_than_debounce_is_refused_at_start()
    {
        var builder = Builder(("Gpio:Debounce", "00:00:01"), ("Gpio:LongPress", "00:00:00.500"));
        builder.Services.AddApplianceGpio(builder.Configuration);
        using var host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("LongPress", e.Message);
    }
}
