using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Gpio;

/// <summary>How the appliance's host takes in the LEDs and the button: one call in Program.cs.</summary>
public static class GpioServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="GpioOptions"/> from the <c>Gpio</c> section and registers
    /// <see cref="GpioFeatures"/> (opened on first use; off with one log line without a GPIO chip),
    /// <see cref="IStatusIndicator"/> for the service to show its status,
    /// <see cref="ISystemShutdown"/> (<see cref="GpioOptions.PowerOffCommand"/>) unless one is
    /// registered already, and <see cref="SafeStopButtonHook"/>.
    /// </summary>
    public static IServiceCollection AddApplianceGpio(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GpioOptions>()
            .Bind(configuration.GetSection(GpioOptions.SectionName))
            .Validate(o => o.LongPress > o.Debounce, "Gpio: LongPress must be longer than Debounce")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISystemShutdown>(sp => new CommandShutdown(
            sp.GetRequiredService<IOptions<GpioOptions>>().Value.PowerOffCommand,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<CommandShutdown>()));
        services.TryAddSingleton(sp => GpioFeatures.Start(
            sp.GetRequiredService<IOptions<GpioOptions>>().Value,
            sp.GetRequiredService<ISystemShutdown>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<GpioFeatures>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<GpioFeatures>().Indicator);
        services.AddHostedService<SafeStopButtonHook>();
        return services;
    }
}
