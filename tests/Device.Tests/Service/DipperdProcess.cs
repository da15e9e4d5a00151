using System.Diagnostics;
using System.Text;

namespace Dipper.Device.Tests.Service;

/// <summary><c>dotnet dipperd.dll ARGS</c> as a real process (the build copies dipperd beside the tests), its output kept for the test log.</summary>
internal sealed class DipperdProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public DipperdProcess(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dipperd.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Waits until the process has printed <paramref name="text"/> (e.g. the host's "Application started").</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited) return false;
            await Task.Delay(50);
        }
        return true;
    }

    /// <summary>Waits for the process to exit (a one-shot command); false when it did not within <paramref name="patience"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL: no chance to clean up, as a power cut or the OOM killer.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd stops a service; the exit code, or null if it did not exit in time.</summary>
    public async Task<int?> TerminateAsync(TimeSpan patience)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Append(DateTime.Now.ToString("HH:mm:ss.fff ")).AppendLine(line);
    }
}
