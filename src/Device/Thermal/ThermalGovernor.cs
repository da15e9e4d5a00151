using System.Diagnostics.Metrics;
using Dipper.Basecaller.Pipeline;
using Dipper.Tpu.EdgeTpu;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dipper.Device.Thermal;

/// <summary>
/// Keeps the appliance out of its thermal limits by slowing the Edge TPU down one level at a time
/// (Max → High → Medium), pausing base calling above a hard limit, and undoing each step only once
/// the temperature has fallen a hysteresis margin below the threshold that caused it.
/// </summary>
/// <remarks>
/// One step at most per <see cref="ThermalOptions.MinimumTimeBetweenSteps"/>, in either direction,
/// so each clock change has time to show in the temperature before the next. Pausing is not rate
/// limited: above the hard limit the box stops at once. The governor holds no timer of its own:
/// <see cref="ThermalMonitor"/> (or a test) feeds it readings, and it takes "now" from the
/// <see cref="TimeProvider"/>.
/// </remarks>
public sealed class ThermalGovernor : IBatchGate, IDisposable
{
    /// <summary>Name of the meter the governor reports through.</summary>
    public const string MeterName = "Dipper.Device.Thermal";

    private readonly ThermalOptions _options;
    private readonly IEdgeTpuPerformanceControl _control;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Meter _meter;
    private readonly Lock _gate = new();
    private ThermalState _state;
    private DateTimeOffset? _lastStep;
    private TaskCompletionSource _resumed = NewResumedSignal(completed: true);

    /// <summary>Starts at <see cref="ThermalOptions.TopPerformance"/>, not paused.</summary>
    /// <exception cref="ArgumentException">The thresholds are not in rising order.</exception>
    public ThermalGovernor(ThermalOptions options, IEdgeTpuPerformanceControl control, TimeProvider time,
        ILogger<ThermalGovernor>? logger = null, IMeterFactory? meters = null)
    {
        if (options.Problem() is { } problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        _control = control;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _state = new ThermalState(options.TopPerformance, Paused: false, Throttled: false, Celsius: null, Sensor: null, time.GetUtcNow());
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableGauge("dipper.thermal.temperature", () => State.Celsius ?? double.NaN, "Cel",
            "Hottest temperature seen by the thermal governor");
        _meter.CreateObservableGauge("dipper.thermal.edgetpu_performance", () => (int)State.Performance, null,
            "Edge TPU performance level chosen by the thermal governor (0 Low .. 3 Max)");
        _meter.CreateObservableGauge("dipper.thermal.paused", () => State.Paused ? 1 : 0, null,
            "1 while base calling is paused because the appliance is too hot");
    }

    /// <summary>The current decision.</summary>
    public ThermalState State
    {
        get { lock (_gate) return _state; }
    }

    /// <summary>Raised after the level or the pause changes (not on every reading).</summary>
    public event EventHandler<ThermalState>? StateChanged;

    /// <summary>Completes at once when not paused, otherwise when the governor resumes; for the pipeline to wait on between batches.</summary>
    public Task WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        Task resumed;
        lock (_gate) resumed = _resumed.Task;
        return resumed.WaitAsync(cancellationToken);
    }

    /// <summary>The pipeline's inference workers wait here before each batch while the appliance is too hot.</summary>
    public ValueTask WaitUntilOpenAsync(CancellationToken cancellationToken) => new(WaitWhilePausedAsync(cancellationToken));

    /// <summary>Takes a new hottest temperature and decides; returns the new state.</summary>
    public ThermalState Update(ThermalReading reading)
    {
        ThermalState before, after;
        EdgeTpuPerformance? newLevel = null;
        lock (_gate)
        {
            before = _state;
            var now = _time.GetUtcNow();
            var t = reading.Celsius;
            var paused = before.Paused
                ? t > _options.PauseCelsius - _options.HysteresisCelsius
                : t >= _options.PauseCelsius;

            var level = before.Performance;
            var mayStep = _lastStep is null || now - _lastStep.Value >= _options.MinimumTimeBetweenSteps;
            if (mayStep && level > EdgeTpuPerformance.Medium && t >= ThresholdToLeave(level))
                newLevel = level - 1;
            else if (mayStep && level < _options.TopPerformance && t <= ThresholdToLeave(level + 1) - _options.HysteresisCelsius)
                newLevel = level + 1;

            if (newLevel is { } wanted)
            {
                try
                {
                    _control.SetPerformance(wanted);
                    level = wanted;
                    _lastStep = now;
                }
                catch (Exception e)
                {
                    // The level stays as it was; the next reading tries again.
                    _logger.LogError("Thermal: could not set the Edge TPU to {Level}: {Message}", wanted, e.Message);
                    newLevel = null;
                }
            }

            var changed = level != before.Performance || paused != before.Paused;
            after = new ThermalState(level, paused, paused || level < _options.TopPerformance, t, reading.Sensor,
                changed ? now : before.Since);
            _state = after;
            if (paused && !before.Paused) _resumed = NewResumedSignal(completed: false);
            if (!paused && before.Paused) _resumed.TrySetResult();
        }

        if (newLevel is not null)
        {
            _logger.LogWarning("Thermal: {Sensor} at {Celsius:0.0} °C; Edge TPU performance {From} → {To}",
                reading.Sensor, reading.Celsius, before.Performance, after.Performance);
        }
        if (after.Paused != before.Paused)
        {
            if (after.Paused)
                _logger.LogError("Thermal: {Sensor} at {Celsius:0.0} °C (limit {Limit} °C); base calling paused until it cools to {Resume} °C",
                    reading.Sensor, reading.Celsius, _options.PauseCelsius, _options.PauseCelsius - _options.HysteresisCelsius);
            else
                _logger.LogWarning("Thermal: {Sensor} down to {Celsius:0.0} °C; base calling resumes", reading.Sensor, reading.Celsius);
        }
        if (after.Performance != before.Performance || after.Paused != before.Paused)
            StateChanged?.Invoke(this, after);
        return after;
    }

    /// <summary>The temperature at which <paramref name="level"/> is too hot and the next lower level is used.</summary>
    private double ThresholdToLeave(EdgeTpuPerformance level) => level switch
    {
        EdgeTpuPerformance.Max => _options.ThrottleToHighCelsius,
        EdgeTpuPerformance.High => _options.ThrottleToMediumCelsius,
        _ => double.PositiveInfinity,
    };

    private static TaskCompletionSource NewResumedSignal(bool completed)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) signal.SetResult();
        return signal;
    }

    /// <summary>Releases the meter.</summary>
    public void Dispose() => _meter.Dispose();
}
