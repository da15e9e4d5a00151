using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Thermal;

/// <summary>How the appliance's host takes in thermal control: one call in Program.cs.</summary>
public static class ThermalServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="ThermalOptions"/> from the <c>Thermal</c> section (validated at start),
    /// registers the <see cref="ThermalGovernor"/> (for the pipeline to wait on while paused and
    /// for the LED and status page to read) and runs the <see cref="ThermalMonitor"/>. The caller
    /// registers the <see cref="IEdgeTpuPerformanceControl"/> that recreates the Edge TPU delegate.
    /// </summary>
    public static IServiceCollection AddApplianceThermalControl(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ThermalOptions>()
            .Bind(configuration.GetSection(ThermalOptions.SectionName))
            .Validate(o => o.Problem() is null, "Thermal: thresholds must rise (high < medium < pause), hysteresis ≥ 0, poll interval > 0")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<ThermalOptions>>().Value);
        services.TryAddSingleton<ThermalGovernor>();
        services.AddHostedService<ThermalMonitor>();
        return services;
    }
}
