using System.Device.Gpio;

namespace Dipper.Device.Gpio;

/// <summary>
/// An RGB status LED on three GPIO pins (plain on/off, no PWM), showing the colour and rhythm of the
/// current <see cref="ApplianceStatus"/>. The rhythm is the same as on <see cref="StatusLed"/>; the
/// colour only adds to it.
/// </summary>
public sealed class RgbStatusLed : IStatusIndicator, IDisposable
{
    private readonly GpioController _controller;
    private readonly int[] _pins;
    private readonly bool _activeLow;
    private readonly bool _shouldDispose;
    private readonly IReadOnlyDictionary<ApplianceStatus, BlinkPattern> _patterns;
    private readonly PatternPlayer _player;

    /// <summary>Opens the three pins as outputs, dark.</summary>
    /// <param name="controller">The controller the pins belong to.</param>
    /// <param name="redPin">Red element's pin.</param>
    /// <param name="greenPin">Green element's pin.</param>
    /// <param name="bluePin">Blue element's pin.</param>
    /// <param name="activeLow">True for a common-anode LED (elements light on a low pin).</param>
    /// <param name="time">Clock for the blink timing.</param>
    /// <param name="patterns">Pattern per status; null for <see cref="BlinkPatterns.CreateDefaults"/>.</param>
    /// <param name="shouldDispose">True to dispose <paramref name="controller"/> with the LED.</param>
    public RgbStatusLed(GpioController controller, int redPin, int greenPin, int bluePin, bool activeLow,
        TimeProvider time, IReadOnlyDictionary<ApplianceStatus, BlinkPattern>? patterns = null, bool shouldDispose = false)
    {
        _pins = [redPin, greenPin, bluePin];
        foreach (var pin in _pins) ArgumentOutOfRangeException.ThrowIfNegative(pin);
        _controller = controller;
        _activeLow = activeLow;
        _shouldDispose = shouldDispose;
        _patterns = patterns ?? BlinkPatterns.CreateDefaults();
        foreach (var pin in _pins) _controller.OpenPin(pin, PinMode.Output, Level(false));
        _player = new PatternPlayer(Write, time);
    }

    /// <summary>The status last shown, or null before the first <see cref="Show"/>.</summary>
    public ApplianceStatus? Status { get; private set; }

    /// <inheritdoc/>
    public void Show(ApplianceStatus status)
    {
        Status = status;
        _player.Play(_patterns[status]);
    }

    private void Write(LedColour colour)
    {
        _controller.Write(_pins[0], Level(colour.Red));
        _controller.Write(_pins[1], Level(colour.Green));
        _controller.Write(_pins[2], Level(colour.Blue));
    }

    private PinValue Level(bool lit) => lit != _activeLow ? PinValue.High : PinValue.Low;

    /// <summary>Turns the LED off and releases the pins (and the controller when it was handed over).</summary>
    public void Dispose()
    {
        _player.Dispose();
        foreach (var pin in _pins)
        {
            if (_controller.IsPinOpen(pin)) _controller.ClosePin(pin);
        }
        if (_shouldDispose) _controller.Dispose();
    }
}
