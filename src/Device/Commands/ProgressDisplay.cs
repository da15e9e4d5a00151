using System.Diagnostics;
using System.Globalization;
using Dipper.Basecaller.Pipeline;

namespace Dipper.Device.Commands;

/// <summary>
/// Shows a run's progress on stderr while it goes: on a terminal a bar rewritten in place several
/// times a second; in a log (stderr redirected) a plain line every few seconds, so logs stay readable.
/// </summary>
public sealed class ProgressDisplay : IAsyncDisposable
{
    private const int BarWidth = 24;
    private readonly PipelineCounters _counters;
    private readonly int _files;
    private readonly bool _interactive;
    private readonly TextWriter _errors;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _writing = new();
    private readonly Task _loop;
    private int _lastLength;

    /// <summary>Starts showing progress of a run over <paramref name="files"/> signal files.</summary>
    public ProgressDisplay(PipelineCounters counters, int files, bool interactive, TextWriter errors)
    {
        _counters = counters;
        _files = files;
        _interactive = interactive;
        _errors = errors;
        _loop = RunAsync();
    }

    /// <summary>Prints a message (a skipped read, a damaged file) without tearing the bar.</summary>
    public void Report(string message)
    {
        lock (_writing)
        {
            if (_interactive && _lastLength > 0)
            {
                _errors.Write('\r' + new string(' ', _lastLength) + '\r');
                _lastLength = 0;
            }
            _errors.WriteLine(message);
        }
    }

    private async Task RunAsync()
    {
        var period = _interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) Show();
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    private void Show()
    {
        var inv = CultureInfo.InvariantCulture;
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        var done = _counters.FilesDone;
        var rate = _counters.SamplesCalled / seconds;
        var text = string.Create(inv,
            $"{done}/{_files} files  {_counters.ReadsCalled} reads  {_counters.Bases:N0} bases  {rate / 1000:F0} k samples/s");
        lock (_writing)
        {
            if (_interactive)
            {
                var filled = _files == 0 ? BarWidth : (int)(BarWidth * done / _files);
                var line = $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {text}";
                _errors.Write('\r' + line.PadRight(_lastLength));
                _lastLength = line.Length;
            }
            else
            {
                _errors.WriteLine($"progress: {text}");
            }
        }
    }

    /// <summary>Stops updating and ends the bar's line.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        lock (_writing)
        {
            if (_interactive && _lastLength > 0) _errors.WriteLine();
            _lastLength = 0;
        }
        _stop.Dispose();
    }
}
