using Dipper.Device.Tests.Gpio;
using Dipper.Device.Thermal;
using Dipper.Tpu.EdgeTpu;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Thermal;

public sealed class ThermalMonitorTests : IDisposable
{
    private readonly FakeSysfs _sysfs = new();
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingPerformanceControl _control = new();
    private readonly ThermalOptions _options;
    private readonly ThermalGovernor _governor;

    public ThermalMonitorTests()
    {
        _options = new ThermalOptions { ThermalZoneRoot = _sysfs.ThermalRoot, ApexRoot = _sysfs.ApexRoot };
        _governor = new ThermalGovernor(_options, _control, _time);
    }

    public void Dispose()
    {
        _governor.Dispose();
        _sysfs.Dispose();
    }

    [Fact]
    public void The_hottest_sensor_drives_the_governor()
    {
        _sysfs.Zone(0, "cpu-thermal", 60);
        _sysfs.Apex(0, 79);
        var monitor = new ThermalMonitor(_options, _governor, _time);

        var reading = monitor.PollOnce();

        Assert.Equal("apex_0", reading!.Value.Sensor);
        Assert.Equal(79, _governor.State.Celsius);
        Assert.Equal(EdgeTpuPerformance.High, _governor.State.Performance);
    }

    [Fact]
    public void Unreadable_sensors_keep_the_current_level_and_warn_once()
    {
        var path = _sysfs.Zone(0, "cpu-thermal", 75);
        var log = new LoggerAdapter(new RecordingLogger());
        var monitor = new ThermalMonitor(_options, _governor, _time, log);
        monitor.PollOnce();
        Assert.Equal(EdgeTpuPerformance.High, _governor.State.Performance);

        File.WriteAllText(path, "oops");
        Assert.Null(monitor.PollOnce());
        Assert.Null(monitor.PollOnce());
        Assert.Equal(EdgeTpuPerformance.High, _governor.State.Performance);
        Assert.Single(log.Inner.Lines, l => l.Message.Contains("could be read"));
    }

    [Fact]
    public async Task Box_that_boots_hot_is_paused_before_start_returns()
    {
        _sysfs.Zone(0, "cpu-thermal", 91);
        using var monitor = new ThermalMonitor(_options, _governor, _time);
        await monitor.StartAsync(CancellationToken.None);
        Assert.True(_governor.State.Paused); // no waiting: the host starts the pipeline right after this
        Assert.False(_governor.WaitUntilOpenAsync(CancellationToken.None).IsCompleted);
        await monitor.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Running_monitor_polls_on_its_time_provider()
    {
        var zone = Path.GetDirectoryName(_sysfs.Zone(0, "cpu-thermal", 50))!;
        using var monitor = new ThermalMonitor(_options, _governor, _time);
        await monitor.StartAsync(CancellationToken.None);
        await Eventually(() => _governor.State.Celsius == 50); // first poll at start

        FakeSysfs.SetTemp(zone, 90);
        await Eventually(() =>
        {
            // The loop may not be waiting on the timer yet; keep nudging fake time until it polls.
            _time.Advance(_options.PollInterval);
            return _governor.State.Paused;
        });

        await monitor.StopAsync(CancellationToken.None);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the monitor did not poll in time");
            await Task.Delay(10);
        }
    }

    private sealed class LoggerAdapter(RecordingLogger inner) : ILogger<ThermalMonitor>
    {
        public RecordingLogger Inner => inner;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
