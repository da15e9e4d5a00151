using System.Diagnostics;
using System.Globalization;

namespace Dipper.Compiler.Training;

/// <summary>
/// A training run's progress: step, loss, samples/s and ETA. On a terminal it is one line redrawn in place at most
/// twice a second; when the stream is redirected (a log file, CI) it is a plain line at each tenth of the run, so logs
/// stay short.
/// </summary>
public sealed class TrainingProgress
{
    private readonly TextWriter _output;
    private readonly bool _terminal;
    private readonly int _totalSteps;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly int _firstStep;
    private TimeSpan _lastDrawn = TimeSpan.MinValue;
    private int _lastTenth;

    /// <summary>Reports a run of <paramref name="totalSteps"/> steps that begins (or resumes) at <paramref name="firstStep"/>.</summary>
    /// <param name="output">Where the progress goes (dipper finetune: standard error).</param>
    /// <param name="terminal">True to redraw one line in place (the stream is a terminal).</param>
    /// <param name="totalSteps">Steps in the whole run.</param>
    /// <param name="firstStep">Steps already done (a resumed run).</param>
    public TrainingProgress(TextWriter output, bool terminal, int totalSteps, int firstStep)
    {
        (_output, _terminal, _totalSteps, _firstStep) = (output, terminal, totalSteps, firstStep);
        _lastTenth = firstStep * 10 / Math.Max(1, totalSteps);
    }

    /// <summary>Reports that <paramref name="step"/> steps are done, the last with loss <paramref name="loss"/>, at <paramref name="samplesPerStep"/> samples a step.</summary>
    public void Report(int step, double loss, long samplesPerStep)
    {
        var elapsed = _clock.Elapsed;
        var done = step - _firstStep;
        var rate = done * samplesPerStep / Math.Max(1e-9, elapsed.TotalSeconds);
        var eta = done == 0 ? TimeSpan.Zero : elapsed / done * (_totalSteps - step);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"step {step}/{_totalSteps} ({100.0 * step / _totalSteps:F0} %), loss {loss:F4}, {rate / 1000:F1} k samples/s, ETA {eta:hh\\:mm\\:ss}");
        if (_terminal)
        {
            if (elapsed - _lastDrawn < TimeSpan.FromSeconds(0.5) && step != _totalSteps) return;
            _lastDrawn = elapsed;
            _output.Write($"\r{line}\u001b[K");
            if (step == _totalSteps) _output.WriteLine();
            return;
        }
        var tenth = step * 10 / _totalSteps;
        if (tenth <= _lastTenth && step != _totalSteps) return;
        _lastTenth = tenth;
        _output.WriteLine(line);
    }

    /// <summary>Clears the line on a terminal, so a note written to the same terminal does not mix with it.</summary>
    public void Clear()
    {
        if (_terminal) _output.Write("\r\u001b[K");
    }
}
