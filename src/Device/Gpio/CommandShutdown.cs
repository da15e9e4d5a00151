using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Dipper.Device.Gpio;

/// <summary>
/// Powers off by running a command, <c>systemctl poweroff</c> by default (<see cref="GpioOptions.PowerOffCommand"/>).
/// systemd then stops dipperd with SIGTERM like any other service, so in-flight reads are finished
/// and committed on the way down. The dipper user needs a polkit rule for this (the .deb ships one).
/// </summary>
public sealed class CommandShutdown(string command, ILogger logger) : ISystemShutdown
{
    /// <inheritdoc/>
    public void RequestPowerOff()
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            logger.LogWarning("Long press: no power-off command is configured; not shutting down");
            return;
        }
        var start = new ProcessStartInfo(words[0]) { UseShellExecute = false };
        foreach (var word in words.Skip(1)) start.ArgumentList.Add(word);
        try
        {
            logger.LogWarning("Long press: powering off with '{Command}'", command);
            using var process = Process.Start(start);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            logger.LogError("Long press: could not run '{Command}': {Message}", command, e.Message);
        }
    }
}
