using System.Device.Gpio;

namespace Dipper.Device.Gpio;

/// <summary>
/// A single-colour status LED on one GPIO pin, blinking the pattern of the current
/// <see cref="ApplianceStatus"/>. Follows dotnet/iot's binding shape: it takes its
/// <see cref="GpioController"/> in the constructor and disposes it only when asked to.
/// </summary>
public sealed class StatusLed : IStatusIndicator, IDisposable
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly bool _activeLow;
    private readonly bool _shouldDispose;
    private readonly IReadOnlyDictionary<ApplianceStatus, BlinkPattern> _patterns;
    private readonly PatternPlayer _player;

    /// <summary>Opens <paramref name="pin"/> as an output, dark, and waits for the first <see cref="Show"/>.</summary>
    /// <param name="controller">The controller the pin belongs to.</param>
    /// <param name="pin">Pin number in the controller's numbering.</param>
    /// <param name="activeLow">True when the LED lights on a low pin.</param>
    /// <param name="time">Clock for the blink timing.</param>
    /// <param name="patterns">Pattern per status; null for <see cref="BlinkPatterns.CreateDefaults"/>.</param>
    /// <param name="shouldDispose">True to dispose <paramref name="controller"/> with the LED.</param>
    public StatusLed(GpioController controller, int pin, bool activeLow, TimeProvider time,
        IReadOnlyDictionary<ApplianceStatus, BlinkPattern>? patterns = null, bool shouldDispose = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pin);
        _controller = controller;
        _pin = pin;
        _activeLow = activeLow;
        _shouldDispose = shouldDispose;
        _patterns = patterns ?? BlinkPatterns.CreateDefaults();
        _controller.OpenPin(pin, PinMode.Output, Level(false));
        _player = new PatternPlayer(colour => _controller.Write(_pin, Level(colour.IsLit)), time);
    }

    /// <summary>The status last shown, or null before the first <see cref="Show"/>.</summary>
    public ApplianceStatus? Status { get; private set; }

    /// <inheritdoc/>
    public void Show(ApplianceStatus status)
    {
        Status = status;
        _player.Play(_patterns[status]);
    }

    private PinValue Level(bool lit) => lit != _activeLow ? PinValue.High : PinValue.Low;

    /// <summary>Turns the LED off and releases the pin (and the controller when it was handed over).</summary>
    public void Dispose()
    {
        _player.Dispose();
        if (_controller.IsPinOpen(_pin)) _controller.ClosePin(_pin);
        if (_shouldDispose) _controller.Dispose();
    }
}
