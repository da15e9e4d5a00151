using System.Device.Gpio;
using Dipper.Device.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace Dipper.Device.Tests.Gpio;

public class SafeStopButtonTests
{
    private const int Pin = 17;
    private readonly FakeTimeProvider _time = new();
    private readonly FakeGpioDriver _driver;
    private readonly RecordingShutdown _shutdown = new();
    private int _safeStops;
    private int _shutdownEvents;

    public SafeStopButtonTests() => _driver = new FakeGpioDriver(_time);

    private sealed class RecordingShutdown : ISystemShutdown
    {
        public int Requests { get; private set; }

        public void RequestPowerOff() => Requests++;
    }

    private SafeStopButton NewButton(bool activeLow = true)
    {
        var options = new GpioOptions
        {
            SafeStopButtonPin = Pin,
            SafeStopButtonActiveLow = activeLow,
            Debounce = TimeSpan.FromMilliseconds(50),
            LongPress = TimeSpan.FromSeconds(3),
        };
        var button = new SafeStopButton(new GpioController(_driver), options, _shutdown, _time, shouldDispose: true);
        button.SafeStopRequested += (_, _) => _safeStops++;
        button.ShutdownRequested += (_, _) => _shutdownEvents++;
        return button;
    }

    private void Level(PinValue value, int thenWaitMs)
    {
        _driver.SetInput(Pin, value);
        _time.Step(TimeSpan.FromMilliseconds(thenWaitMs));
    }

    [Fact]
    public void Short_press_with_contact_bounce_requests_exactly_one_safe_stop_on_release()
    {
        using var button = NewButton();
        Assert.False(button.IsPressed); // pull-up idles high = released

        // Press: the contact chatters for a few milliseconds before settling low.
        Level(PinValue.Low, 3); Level(PinValue.High, 2); Level(PinValue.Low, 4); Level(PinValue.High, 1); Level(PinValue.Low, 400);
        Assert.True(button.IsPressed);
        Assert.Equal(0, _safeStops); // nothing happens until the button is let go

        // Release, with bounce again.
        Level(PinValue.High, 2); Level(PinValue.Low, 3); Level(PinValue.High, 200);
        Assert.False(button.IsPressed);
        Assert.Equal(1, _safeStops);
        Assert.Equal(0, _shutdown.Requests);
        Assert.Equal(0, _shutdownEvents);
    }

    [Fact]
    public void Spike_shorter_than_the_debounce_time_is_ignored()
    {
        using var button = NewButton();
        Level(PinValue.Low, 30);
        Level(PinValue.High, 500);
        Assert.Equal(0, _safeStops);
        Assert.False(button.IsPressed);
    }

    [Fact]
    public void Long_press_asks_for_power_off_while_held_and_release_does_not_also_safe_stop()
    {
        using var button = NewButton();
        Level(PinValue.Low, 2_900);
        Assert.Equal(0, _shutdown.Requests); // 2.85 s after the settled press: not yet

        _time.Step(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, _shutdown.Requests);
        Assert.Equal(1, _shutdownEvents);

        _time.Step(TimeSpan.FromSeconds(10)); // held on: asked once only
        Level(PinValue.High, 200);
        Assert.Equal(1, _shutdown.Requests);
        Assert.Equal(0, _safeStops);

        // The next short press is a safe stop again.
        Level(PinValue.Low, 200);
        Level(PinValue.High, 200);
        Assert.Equal(1, _safeStops);
    }

    [Fact]
    public void Active_high_button_presses_with_a_high_level()
    {
        using var button = NewButton(activeLow: false);
        Level(PinValue.High, 100);
        Assert.True(button.IsPressed);
        Level(PinValue.Low, 100);
        Assert.Equal(1, _safeStops);
    }

    [Fact]
    public void Button_held_at_start_up_must_be_released_before_it_counts()
    {
        _driver.SetInput(Pin, PinValue.Low); // stuck or held while the service starts
        using var button = NewButton();
        Assert.True(button.IsPressed);
        _time.Step(TimeSpan.FromSeconds(10));
        Level(PinValue.High, 100);
        Assert.Equal(0, _shutdown.Requests);
        Assert.Equal(0, _safeStops);

        Level(PinValue.Low, 100);
        Level(PinValue.High, 100);
        Assert.Equal(1, _safeStops);
    }

    [Fact]
    public void Disposed_button_ignores_presses_and_releases_its_pin()
    {
        var button = NewButton();
        button.Dispose();
        Level(PinValue.Low, 100);
        Level(PinValue.High, 100);
        Assert.Equal(0, _safeStops);
        Assert.DoesNotContain(Pin, _driver.OpenPins);
    }
}
