using Dipper.Device.Thermal;
using Dipper.Tpu.EdgeTpu;
using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Thermal;

public sealed class ThermalGovernorTests : IDisposable
{
    // Defaults: High at 70 °C, Medium at 78 °C, pause at 85 °C, hysteresis 5 °C, 30 s between steps.
    private readonly ThermalOptions _options = new();
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingPerformanceControl _control = new();
    private readonly ThermalGovernor _governor;

    public ThermalGovernorTests() => _governor = new ThermalGovernor(_options, _control, _time);

    public void Dispose() => _governor.Dispose();

    private ThermalState At(double celsius, int afterSeconds = 0)
    {
        _time.Advance(TimeSpan.FromSeconds(afterSeconds));
        return _governor.Update(new ThermalReading(celsius, "cpu-thermal"));
    }

    [Fact]
    public void Cool_appliance_runs_at_max_and_is_not_throttled()
    {
        var state = At(55);
        Assert.Equal(EdgeTpuPerformance.Max, state.Performance);
        Assert.False(state.Throttled);
        Assert.Empty(_control.Requests);
        Assert.Equal(55, state.Celsius);
    }

    [Fact]
    public void Rising_temperature_steps_down_max_high_medium_one_step_per_interval()
    {
        Assert.Equal(EdgeTpuPerformance.High, At(72).Performance);
        Assert.Equal(EdgeTpuPerformance.High, At(80, afterSeconds: 10).Performance); // too soon for a second step
        var state = At(80, afterSeconds: 25);
        Assert.Equal(EdgeTpuPerformance.Medium, state.Performance);
        Assert.True(state.Throttled);
        Assert.Equal(EdgeTpuPerformance.Medium, At(84, afterSeconds: 60).Performance); // never below Medium
        Assert.Equal([EdgeTpuPerformance.High, EdgeTpuPerformance.Medium], _control.Requests);
    }

    [Fact]
    public void Cooling_steps_back_up_only_below_each_threshold_minus_hysteresis()
    {
        At(80);
        At(80, afterSeconds: 30);
        Assert.Equal(EdgeTpuPerformance.Medium, _governor.State.Performance);

        Assert.Equal(EdgeTpuPerformance.Medium, At(74, afterSeconds: 60).Performance); // below 78 but not below 73
        Assert.Equal(EdgeTpuPerformance.High, At(73, afterSeconds: 1).Performance);
        Assert.Equal(EdgeTpuPerformance.High, At(66, afterSeconds: 60).Performance);  // below 70 but not below 65
        var state = At(64, afterSeconds: 1);
        Assert.Equal(EdgeTpuPerformance.Max, state.Performance);
        Assert.False(state.Throttled);
        Assert.Equal(
            [EdgeTpuPerformance.High, EdgeTpuPerformance.Medium, EdgeTpuPerformance.High, EdgeTpuPerformance.Max],
            _control.Requests);
    }

    [Fact]
    public async Task Above_the_hard_limit_calling_pauses_and_resumes_with_hysteresis()
    {
        var changes = new List<ThermalState>();
        _governor.StateChanged += (_, s) => changes.Add(s);
        Assert.True(_governor.WaitWhilePausedAsync(CancellationToken.None).IsCompleted);

        var paused = At(86);
        Assert.True(paused.Paused);
        Assert.True(paused.Throttled);
        var waiting = _governor.WaitWhilePausedAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        Assert.True(At(82, afterSeconds: 5).Paused); // below 85, not below 80
        Assert.False(waiting.IsCompleted);
        Assert.False(At(80, afterSeconds: 5).Paused);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Contains(changes, s => s.Paused);
        Assert.False(changes[^1].Paused);
    }

    [Fact]
    public void Failed_performance_change_keeps_the_level_and_is_retried_on_the_next_reading()
    {
        _control.Fail = true;
        Assert.Equal(EdgeTpuPerformance.Max, At(75).Performance);
        _control.Fail = false;
        Assert.Equal(EdgeTpuPerformance.High, At(75, afterSeconds: 5).Performance);
        Assert.Equal([EdgeTpuPerformance.High], _control.Requests);
    }

    [Fact]
    public void Top_level_high_never_asks_for_max()
    {
        using var governor = new ThermalGovernor(new ThermalOptions { TopPerformance = EdgeTpuPerformance.High }, _control, _time);
        Assert.Equal(EdgeTpuPerformance.High, governor.Update(new ThermalReading(40, "x")).Performance);
        Assert.Equal(EdgeTpuPerformance.Medium, governor.Update(new ThermalReading(79, "x")).Performance);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(EdgeTpuPerformance.High, governor.Update(new ThermalReading(40, "x")).Performance);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(EdgeTpuPerformance.High, governor.Update(new ThermalReading(40, "x")).Performance);
        Assert.Equal([EdgeTpuPerformance.Medium, EdgeTpuPerformance.High], _control.Requests);
    }

    [Fact]
    public void Thresholds_out_of_order_are_refused_at_construction()
    {
        var bad = new ThermalOptions { ThrottleToHighCelsius = 80, ThrottleToMediumCelsius = 75 };
        var e = Assert.Throws<ArgumentException>(() => new ThermalGovernor(bad, _control, _time));
        Assert.Contains("must rise", e.Message);
    }
}
