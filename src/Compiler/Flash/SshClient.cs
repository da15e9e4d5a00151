using System.Diagnostics;

namespace Dipper.Compiler.Flash;

/// <summary>
/// Runs the system's OpenSSH <c>ssh</c> and <c>scp</c> against one target. BatchMode is always on so
/// a missing key or an unknown host key fails at once instead of waiting for a password prompt
/// that nobody will answer.
/// </summary>
public sealed class SshClient(SshTarget target, SshSettings settings)
{
    /// <summary>The outcome of one ssh or scp run.</summary>
    /// <param name="ExitCode">The process exit code; 255 is ssh's own failure (connection, authentication).</param>
    /// <param name="Output">What it wrote to stdout.</param>
    /// <param name="Errors">What it wrote to stderr.</param>
    public sealed record Result(int ExitCode, string Output, string Errors);

    /// <summary>Runs <paramref name="remoteCommand"/> (a shell command line) on the target.</summary>
    public Result Run(string remoteCommand)
    {
        var args = CommonOptions(portFlag: "-p");
        args.Add("--");
        args.Add(target.Destination);
        args.Add(remoteCommand);
        return Execute("ssh", args);
    }

    /// <summary>Copies the folder <paramref name="localFolder"/> to <paramref name="remotePath"/> (which must not exist yet).</summary>
    public Result UploadFolder(string localFolder, string remotePath)
    {
        var args = CommonOptions(portFlag: "-P");
        args.Add("-r");
        args.Add("-q");
        args.Add("--");
        args.Add(localFolder);
        var host = target.Host.Contains(':') ? $"[{target.Host}]" : target.Host;
        args.Add($"{(target.User is null ? "" : target.User + "@")}{host}:{remotePath}");
        return Execute("scp", args);
    }

    private List<string> CommonOptions(string portFlag)
    {
        var args = new List<string> { "-o", "BatchMode=yes" };
        if (target.Port is { } port)
        {
            args.Add(portFlag);
            args.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (settings.IdentityFile is { } identity)
        {
            args.Add("-i");
            args.Add(identity);
        }
        foreach (var option in settings.Options)
        {
            args.Add("-o");
            args.Add(option);
        }
        return args;
    }

    private Result Execute(string program, List<string> args)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"could not run {program} (install openssh-client): {e.Message}", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(settings.StepTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new IOException($"{program} to {target.Host} did not finish within {settings.StepTimeout}");
            }
            return new Result(process.ExitCode, output.Result, errors.Result);
        }
    }
}
