using System.Device.Gpio;

namespace Dipper.Device.Tests.Gpio;

/// <summary>
/// A GPIO chip in memory: records every write with the fake time it happened at, keeps input
/// levels the test sets, and raises edge callbacks like a real chip. System.Device.Gpio has no
/// simulated controller, so tests hand this to <c>new GpioController(driver)</c>.
/// </summary>
internal sealed class FakeGpioDriver(TimeProvider time) : GpioDriver
{
    public sealed record PinWrite(int Pin, PinValue Value, DateTimeOffset At);

    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly List<(int Pin, PinEventTypes Types, PinChangeEventHandler Callback)> _callbacks = [];

    public List<PinWrite> Writes { get; } = [];

    public HashSet<int> OpenPins { get; } = [];

    public bool Disposed { get; private set; }

    public PinValue Level(int pin) => _levels.GetValueOrDefault(pin, PinValue.Low);

    public IEnumerable<PinWrite> WritesTo(int pin) => Writes.Where(w => w.Pin == pin);

    /// <summary>Sets an input pin's level as the outside world would, raising the matching edge.</summary>
    public void SetInput(int pin, PinValue value)
    {
        var before = Level(pin);
        _levels[pin] = value;
        if (before == value) return;
        var edge = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach (var (p, types, callback) in _callbacks.ToList())
        {
            if (p == pin && (types & edge) != 0) callback(this, new PinValueChangedEventArgs(edge, pin));
        }
    }

    protected override int PinCount => 64;

    protected override void OpenPin(int pinNumber) => OpenPins.Add(pinNumber);

    protected override void ClosePin(int pinNumber) => OpenPins.Remove(pinNumber);

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        _modes[pinNumber] = mode;
        // A pull-up input idles high, like the real pin with nothing pressing it.
        if (mode == PinMode.InputPullUp && !_levels.ContainsKey(pinNumber)) _levels[pinNumber] = PinValue.High;
    }

    protected override PinMode GetPinMode(int pinNumber) => _modes.GetValueOrDefault(pinNumber, PinMode.Input);

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => Level(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        _levels[pinNumber] = value;
        Writes.Add(new PinWrite(pinNumber, value, time.GetUtcNow()));
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the appliance uses callbacks, not blocking waits");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        _callbacks.Add((pinNumber, eventTypes, callback));

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        _callbacks.RemoveAll(c => c.Pin == pinNumber && c.Callback == callback);

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
