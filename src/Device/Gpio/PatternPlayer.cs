namespace Dipper.Device.Gpio;

/// <summary>
/// Steps through a <see cref="BlinkPattern"/> on a <see cref="TimeProvider"/> timer and hands each
/// colour to the LED. Shared by the single-colour and RGB LEDs so both blink identically, and
/// driven by a TimeProvider so tests can advance fake time and see exact edges.
/// </summary>
internal sealed class PatternPlayer : IDisposable
{
    private readonly Action<LedColour> _show;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private BlinkPattern? _pattern;
    private int _step;
    private ITimer? _timer;
    private bool _disposed;

    public PatternPlayer(Action<LedColour> show, TimeProvider time)
    {
        _show = show;
        _time = time;
    }

    /// <summary>Starts <paramref name="pattern"/> from its first step, unless it is already playing.</summary>
    public void Play(BlinkPattern pattern)
    {
        lock (_gate)
        {
            if (_disposed || Equals(pattern, _pattern)) return;
            _pattern = pattern;
            _step = 0;
            ShowCurrentStep();
        }
    }

    private void ShowCurrentStep()
    {
        var step = _pattern!.Steps[_step];
        _show(step.Colour);
        _timer?.Dispose();
        // A one-step pattern is a steady light: no timer needed until the pattern changes.
        _timer = _pattern.Steps.Count == 1
            ? null
            : _time.CreateTimer(_ => NextStep(), null, step.Duration, Timeout.InfiniteTimeSpan);
    }

    private void NextStep()
    {
        lock (_gate)
        {
            if (_disposed || _pattern is null) return;
            _step = (_step + 1) % _pattern.Steps.Count;
            ShowCurrentStep();
        }
    }

    /// <summary>Stops the timer and leaves the LED dark, so a stopped service does not look alive.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
            _show(LedColour.Off);
        }
    }
}
