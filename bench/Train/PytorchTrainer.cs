using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Dipper.Bench.Train;

/// <summary>
/// PyTorch's side: pytorch_steps.py in its own process, kept alive between rounds, asked for a number of steps
/// of one loss at a time over its standard input.
/// </summary>
internal sealed class PytorchTrainer : IDisposable
{
    private readonly Process _process;
    private readonly string _command;

    public PytorchTrainer(string python, string work, int threads)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "pytorch_steps.py");
        _command = $"{python} {script}";
        var start = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { script, work, threads.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(argument);
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{_command} did not start");
        ReadAnswer();
    }

    public IReadOnlyList<StepTiming> Steps(string loss, int count)
    {
        _process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{loss} {count}"));
        _process.StandardInput.Flush();
        var answer = ReadAnswer();
        double[] Values(string name) => answer[name]!.AsArray().Select(v => (double)v!).ToArray();
        var (seconds, lossSeconds, losses) = (Values("step_seconds"), Values("loss_seconds"), Values("losses"));
        return seconds.Select((s, i) => new StepTiming(s, lossSeconds[i], losses[i])).ToList();
    }

    private JsonNode ReadAnswer() =>
        _process.StandardOutput.ReadLine() is { } line
            ? JsonNode.Parse(line)!
            : throw new InvalidOperationException($"{_command} ended (exit code {(_process.WaitForExit(5000) ? _process.ExitCode : -1)})");

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine();
                _process.StandardInput.Close();
            }
            if (!_process.WaitForExit(10_000)) _process.Kill();
        }
        catch (IOException)
        {
            // The process ended on its own: nothing left to tell it.
        }
        finally
        {
            _process.Dispose();
        }
    }
}
