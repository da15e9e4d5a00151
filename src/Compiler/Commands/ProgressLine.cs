using System.Diagnostics;

namespace Dipper.Compiler.Commands;

/// <summary>
/// Progress of a long step as plain lines ("calibration: 64/256 chunks, 12 s"), at most one per
/// tenth of the work, so it reads the same in a terminal, a log file and CI output.
/// </summary>
public sealed class ProgressLine : IProgress<int>
{
    private readonly TextWriter _output;
    private readonly string _step;
    private readonly int _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private int _lastTenth = -1;

    /// <summary>Reports <paramref name="total"/> <paramref name="unit"/> of <paramref name="step"/> to <paramref name="output"/>.</summary>
    public ProgressLine(TextWriter output, string step, int total, string unit)
    {
        (_output, _step, _total, _unit) = (output, step, total, unit);
    }

    /// <summary>Seconds since the step began.</summary>
    public double Seconds => _clock.Elapsed.TotalSeconds;

    /// <inheritdoc />
    public void Report(int done)
    {
        lock (_gate)
        {
            var tenth = _total == 0 ? 10 : done * 10 / _total;
            if (tenth <= _lastTenth) return;
            _lastTenth = tenth;
            _output.WriteLine(FormattableString.Invariant($"{_step}: {done}/{_total} {_unit}, {_clock.Elapsed.TotalSeconds:F0} s"));
        }
    }
}
