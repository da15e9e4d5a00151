using Dipper.Device.Gpio;
using Dipper.Device.Journal;
using Dipper.Device.Status;
using Dipper.Device.Thermal;
using Dipper.Device.Watching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Service;

/// <summary>
/// The appliance composed as a .NET Generic Host: configuration (appsettings.json beside the program,
/// /etc/dipper/dipperd.json, environment, command line), validated options, the shared parts, and the list
/// of what runs. Under systemd (<c>Type=notify</c>) it reports ready once every service has started.
/// </summary>
public static class ApplianceHost
{
    /// <summary>A host builder for <c>dipperd run</c> with <paramref name="run"/> laid over the configuration files.</summary>
    public static HostApplicationBuilder CreateBuilder(RunSettings run)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "dipperd",
            ContentRootPath = AppContext.BaseDirectory,
            Args = [.. run.ConfigurationArgs],
        });
        builder.Configuration.AddJsonFile(Path.GetFullPath(run.ConfigFile ?? RunSettings.SystemConfigFile), optional: run.ConfigFile is null, reloadOnChange: false);
        builder.Configuration.AddInMemoryCollection(run.Overrides());
        builder.Configuration.AddCommandLine([.. run.ConfigurationArgs]);
        AddOptions(builder, run);
        AddParts(builder.Services);
        // Before the pipeline's services: hosted services start in registration order, and the thermal monitor's
        // first reading must close the batch gate of a box that boots hot before the pipeline starts.
        builder.Services.AddApplianceThermalControl(builder.Configuration);
        AddServices(builder.Services);
        builder.Services.AddApplianceGpio(builder.Configuration);
        builder.Services.AddHostedService<StatusLedDriver>();
        return builder;
    }

    /// <summary>
    /// Builds the host and validates every option at once, so all bad settings are reported together before
    /// the services (whose construction reads the options) are created.
    /// </summary>
    /// <exception cref="OptionsValidationException">One kind of options is invalid.</exception>
    /// <exception cref="AggregateException">Several kinds are (each inner exception an <see cref="OptionsValidationException"/>).</exception>
    public static IHost Build(RunSettings run)
    {
        var host = CreateBuilder(run).Build();
        try
        {
            host.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }

    private static void AddServices(IServiceCollection services)
    {
        services.AddSystemd();
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusServer>());
        services.AddHostedService(sp => sp.GetRequiredService<BasecallService>());
        services.AddHostedService<SystemdWatchdog>();
    }

    private static void AddParts(IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ServiceActivity>();
        services.AddSingleton(sp =>
        {
            var options = Options(sp).Value;
            return new OutputLayout(options.InputFolders, options.OutputFolder, sp.GetRequiredService<IOptions<OutputOptions>>().Value);
        });
        services.AddSingleton(sp => CallJournal.Open(Options(sp).Value.StateFolder));
        services.AddSingleton(sp =>
        {
            var options = Options(sp).Value;
            var state = sp.GetRequiredService<ServiceActivity>();
            return new SignalFolderWatcher(new WatcherSettings
            {
                InputFolders = options.InputFolders,
                ExcludedFolders = [options.OutputFolder, options.StateFolder],
                StabilityDelay = options.StabilityDelay,
                RescanInterval = options.RescanInterval,
                Time = sp.GetRequiredService<TimeProvider>(),
            }, sp.GetRequiredService<CallJournal>(), sp.GetRequiredService<ILogger<SignalFolderWatcher>>(), (_, error) => state.Problems.Add(error));
        });
        services.TryAddSingleton<IStorageProbe, FileSystemProbe>();
        services.AddSingleton(sp =>
        {
            var options = Options(sp).Value;
            return new StorageGuard(sp.GetRequiredService<OutputLayout>(), options.StateFolder, sp.GetRequiredService<IStorageProbe>(),
                sp.GetRequiredService<ServiceActivity>(), sp.GetRequiredService<TimeProvider>(), options.StorageRetryDelay,
                options.StorageRetryMaxDelay, sp.GetRequiredService<ILogger<StorageGuard>>());
        });
        services.AddSingleton<BasecallService>();
        services.AddSingleton<ThroughputHistory>(sp => new ThroughputHistory(sp.GetRequiredService<ServiceActivity>()));
        services.AddSingleton<MetricsCollector>();
        services.AddSingleton<ServiceMetrics>();
        services.AddSingleton<StatusReporter>();
        services.AddSingleton<StatusServer>();
    }

    private static void AddOptions(HostApplicationBuilder builder, RunSettings run)
    {
        var services = builder.Services;
        services.AddSingleton<IValidateOptions<ServiceOptions>, ServiceOptionsValidator>();
        services.AddSingleton<IValidateOptions<StatusOptions>, StatusOptionsValidator>();
        services.AddSingleton<IValidateOptions<OutputOptions>, OutputOptionsValidator>();
        services.AddOptions<OutputOptions>().Bind(builder.Configuration.GetSection(OutputOptions.Section)).ValidateOnStart();
        var serviceOptions = services.AddOptions<ServiceOptions>().Bind(builder.Configuration.GetSection(ServiceOptions.Section));
        if (run.Inputs.Count > 0) serviceOptions.PostConfigure(o => o.InputFolders = [.. run.Inputs]);
        serviceOptions.ValidateOnStart();
        services.AddOptions<StatusOptions>().Bind(builder.Configuration.GetSection(StatusOptions.Section)).ValidateOnStart();
        var stopTimeout = builder.Configuration.GetSection(ServiceOptions.Section).GetValue<TimeSpan?>(nameof(ServiceOptions.StopTimeout))
            ?? new ServiceOptions().StopTimeout;
        services.Configure<HostOptions>(host => host.ShutdownTimeout = stopTimeout + TimeSpan.FromSeconds(5));
    }

    private static IOptions<ServiceOptions> Options(IServiceProvider services) => services.GetRequiredService<IOptions<ServiceOptions>>();
}
