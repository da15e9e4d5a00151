using System.Device.Gpio;
using Microsoft.Extensions.Logging;

namespace Dipper.Device.Gpio;

/// <summary>
/// The appliance's one button. A short press asks for a safe stop (finish the reads in flight,
/// commit them, stop the service): <see cref="SafeStopRequested"/>, which the service wires to
/// <c>IHostApplicationLifetime.StopApplication</c>. Holding it for <see cref="GpioOptions.LongPress"/>
/// asks the system to power off through <see cref="ISystemShutdown"/> and raises
/// <see cref="ShutdownRequested"/> while the button is still held, so the user knows when to let go.
/// </summary>
/// <remarks>
/// Debouncing: every edge restarts a <see cref="GpioOptions.Debounce"/> timer and only the level read
/// when the pin has been quiet that long counts. Contact bounce and short spikes are thereby ignored.
/// The long-press time is counted from the settled press.
/// </remarks>
public sealed class SafeStopButton : IDisposable
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly bool _activeLow;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _longPress;
    private readonly ISystemShutdown _shutdown;
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private readonly bool _shouldDispose;
    private readonly Lock _gate = new();
    private ITimer? _settleTimer;
    private ITimer? _longPressTimer;
    private bool _pressed;
    private bool _longPressHandled;
    private bool _disposed;

    /// <summary>Opens the button pin as an input (with the internal pull resistor when the chip has one) and listens for edges.</summary>
    /// <param name="controller">The controller the pin belongs to.</param>
    /// <param name="options">Pin, polarity, debounce and long-press time (<see cref="GpioOptions.SafeStopButtonPin"/> must be set).</param>
    /// <param name="shutdown">What a long press calls.</param>
    /// <param name="time">Clock for debounce and long-press timing.</param>
    /// <param name="logger">Where presses are logged; optional.</param>
    /// <param name="shouldDispose">True to dispose <paramref name="controller"/> with the button.</param>
    public SafeStopButton(GpioController controller, GpioOptions options, ISystemShutdown shutdown, TimeProvider time,
        ILogger? logger = null, bool shouldDispose = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.SafeStopButtonPin);
        if (options.LongPress <= options.Debounce)
            throw new ArgumentException($"the long-press time ({options.LongPress}) must be longer than the debounce time ({options.Debounce})", nameof(options));
        _controller = controller;
        _pin = options.SafeStopButtonPin;
        _activeLow = options.SafeStopButtonActiveLow;
        _debounce = options.Debounce;
        _longPress = options.LongPress;
        _shutdown = shutdown;
        _time = time;
        _logger = logger;
        _shouldDispose = shouldDispose;

        var pull = _activeLow ? PinMode.InputPullUp : PinMode.InputPullDown;
        _controller.OpenPin(_pin, _controller.IsPinModeSupported(_pin, pull) ? pull : PinMode.Input);
        _pressed = IsPressedNow();
        // A button already held at start-up must be released first; it should not power the box off.
        _longPressHandled = _pressed;
        _controller.RegisterCallbackForPinValueChangedEvent(_pin, PinEventTypes.Rising | PinEventTypes.Falling, OnEdge);
    }

    /// <summary>A short press: finish in-flight reads, commit and stop the service.</summary>
    public event EventHandler? SafeStopRequested;

    /// <summary>A long press: a system power-off has been requested.</summary>
    public event EventHandler? ShutdownRequested;

    /// <summary>Whether the button is held, after debouncing.</summary>
    public bool IsPressed
    {
        get { lock (_gate) return _pressed; }
    }

    private bool IsPressedNow() => (_controller.Read(_pin) == PinValue.High) != _activeLow;

    private void OnEdge(object sender, PinValueChangedEventArgs args)
    {
        lock (_gate)
        {
            if (_disposed) return;
            _settleTimer?.Dispose();
            _settleTimer = _time.CreateTimer(_ => Settle(), null, _debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void Settle()
    {
        EventHandler? raise = null;
        lock (_gate)
        {
            if (_disposed) return;
            var pressed = IsPressedNow();
            if (pressed == _pressed) return;
            _pressed = pressed;
            if (pressed)
            {
                _longPressTimer?.Dispose();
                _longPressTimer = _time.CreateTimer(_ => LongPressElapsed(), null, _longPress, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _longPressTimer?.Dispose();
                _longPressTimer = null;
                if (!_longPressHandled) raise = SafeStopRequested;
                _longPressHandled = false;
            }
        }
        if (raise is not null)
        {
            _logger?.LogWarning("Safe-stop button pressed: finishing the reads in flight, then stopping");
            raise(this, EventArgs.Empty);
        }
    }

    private void LongPressElapsed()
    {
        lock (_gate)
        {
            if (_disposed || !_pressed || _longPressHandled) return;
            _longPressHandled = true;
        }
        _logger?.LogWarning("Safe-stop button held for {Seconds:0.#} s: asking for a system shutdown", _longPress.TotalSeconds);
        _shutdown.RequestPowerOff();
        ShutdownRequested?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Stops listening and releases the pin (and the controller when it was handed over).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _settleTimer?.Dispose();
            _longPressTimer?.Dispose();
        }
        _controller.UnregisterCallbackForPinValueChangedEvent(_pin, OnEdge);
        if (_controller.IsPinOpen(_pin)) _controller.ClosePin(_pin);
        if (_shouldDispose) _controller.Dispose();
    }
}
