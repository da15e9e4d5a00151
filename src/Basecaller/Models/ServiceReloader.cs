using System.Diagnostics;

namespace Dipper.Basecaller.Models;

/// <summary>
/// Makes the running dipperd pick up a newly activated model by running
/// <see cref="ModelActivationOptions.ReloadCommand"/> (<c>systemctl reload-or-restart</c>: the unit
/// has no ExecReload, so this is a restart, and the stop is the same safe stop as SIGTERM).
/// </summary>
public static class ServiceReloader
{
    /// <summary>Folder that exists only when systemd is the running init.</summary>
    public const string SystemdRunningMarker = "/run/systemd/system";

    /// <summary>Reloads according to the options; returns a line for the user, or null when nothing was done.</summary>
    /// <exception cref="IOException">The reload command failed; the message has its output.</exception>
    public static string? Reload(ModelActivationOptions options, string systemdMarker = SystemdRunningMarker)
    {
        if (options.Reload == ServiceReloadMode.Never) return null;
        if (options.Reload == ServiceReloadMode.Auto && !Directory.Exists(systemdMarker))
            return $"systemd is not running here; the new model is used when dipperd next starts";
        var words = options.ReloadCommand.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) return null;
        var start = new ProcessStartInfo(words[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var word in words.Skip(1)) start.ArgumentList.Add(word);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new IOException($"'{options.ReloadCommand}' did not finish within 2 minutes");
            }
            if (process.ExitCode != 0)
                throw new IOException($"'{options.ReloadCommand}' exited with {process.ExitCode}: {(errors.Result + output.Result).Trim()}");
            return $"ran '{options.ReloadCommand}'";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"could not run '{options.ReloadCommand}': {e.Message}", e);
        }
    }
}
