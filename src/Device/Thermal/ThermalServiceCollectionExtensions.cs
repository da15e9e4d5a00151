using Dipper.Basecaller.Pipeline;
using Dipper.Tpu.Engines;
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
    /// registers the <see cref="ThermalGovernor"/> (as the pipeline's <see cref="IBatchGate"/>, waited on
    /// while paused, and for the LED and status page to read), the <see cref="EdgeTpuPerformanceSetting"/>
    /// the Edge TPU engines follow (starting at <see cref="ThermalOptions.TopPerformance"/>, or libedgetpu's
    /// default when thermal control is off) with the <see cref="DelegatePerformanceControl"/> that sets it,
    /// and runs the <see cref="ThermalMonitor"/>. A control registered before is kept (tests record requests).
    /// </summary>
    public static IServiceCollection AddApplianceThermalControl(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ThermalOptions>()
            .Bind(configuration.GetSection(ThermalOptions.SectionName))
            .Validate(o => o.Problem() is null, "Thermal: thresholds must rise (high < medium < pause), hysteresis ≥ 0, poll interval > 0")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<ThermalOptions>>().Value);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<ThermalOptions>();
            return new EdgeTpuPerformanceSetting(options.Enabled ? options.TopPerformance : null);
        });
        services.TryAddSingleton<IEdgeTpuPerformanceControl, DelegatePerformanceControl>();
        services.TryAddSingleton<ThermalGovernor>();
        services.TryAddSingleton<IBatchGate>(sp => sp.GetRequiredService<ThermalGovernor>());
        services.AddHostedService<ThermalMonitor>();
        return services;
    }
}
