using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dipper.Device.Thermal;

/// <summary>
/// Reads the sensors every <see cref="ThermalOptions.PollInterval"/> and feeds the hottest
/// temperature to the <see cref="ThermalGovernor"/>. A hosted service so the appliance's host runs
/// it beside the pipeline; with no sensor at all it says so once and stops.
/// </summary>
public sealed class ThermalMonitor : BackgroundService
{
    private readonly ThermalOptions _options;
    private readonly ThermalGovernor _governor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<ThermalSensor> _sensors;
    private bool _reportedUnreadable;

    /// <summary>Finds the sensors under the configured roots.</summary>
    public ThermalMonitor(ThermalOptions options, ThermalGovernor governor, TimeProvider time, ILogger<ThermalMonitor>? logger = null)
    {
        _options = options;
        _governor = governor;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _sensors = options.Enabled ? SysfsThermalSensors.Discover(options) : [];
    }

    /// <summary>The sensors being read.</summary>
    public IReadOnlyList<ThermalSensor> Sensors => _sensors;

    /// <summary>Reads every sensor once and updates the governor; returns the hottest reading, or null when none could be read.</summary>
    public ThermalReading? PollOnce()
    {
        var hottest = ThermalReading.Hottest(_sensors);
        if (hottest is null)
        {
            // Keep the last decision: throttling blindly would slow a healthy box, and the log says why.
            if (!_reportedUnreadable)
                _logger.LogWarning("Thermal: none of the {Count} temperature sensors could be read; keeping the current Edge TPU level", _sensors.Count);
            _reportedUnreadable = true;
            return null;
        }
        _reportedUnreadable = false;
        _governor.Update(hottest.Value);
        return hottest;
    }

    /// <summary>
    /// Takes the first reading before the host goes on to start the pipeline: ExecuteAsync runs on its own task,
    /// so without this a box that boots hot would send a batch or two to the Edge TPU before its first reading.
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Enabled && _sensors.Count > 0) PollOnce();
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            _logger.LogInformation("Thermal control off: disabled in the configuration");
            return;
        }
        if (_sensors.Count == 0)
        {
            _logger.LogWarning("Thermal control off: no temperature sensor under {Zones} or {Apex}", _options.ThermalZoneRoot, _options.ApexRoot);
            return;
        }
        _logger.LogInformation("Thermal control on: {Sensors}", string.Join(", ", _sensors.Select(s => s.Name)));
        using var timer = new PeriodicTimer(_options.PollInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) PollOnce();
    }
}
