using System.CommandLine;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Flash;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper flash PACKAGE_DIR --to ssh://user@host[:port][/models/root] | FOLDER</c>: deploys a
/// compiled model package to an appliance (or a mounted SD card's models root) without risking the
/// model it runs: the package is validated here and again on the appliance, and the switch is an
/// atomic symlink swap. Exit codes: 0 activated, 1 refused or failed (active model unchanged),
/// 2 bad usage, 3 activated but dipperd not restarted.
/// </summary>
public static class FlashCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var package = new Argument<string>("package") { Description = "Model package folder (manifest.json + model files)" };
        var to = new Option<string>("--to")
        {
            Description = "ssh://[user@]host[:port][/models/root] (default root /var/lib/dipper/models), or a models root folder",
            Required = true,
        };
        var identity = new Option<string?>("--identity", "-i") { Description = "SSH private key file" };
        var sshOptions = new Option<string[]>("--ssh-option", "-o")
        {
            Description = "Extra ssh/scp option (Key=Value), e.g. UserKnownHostsFile=FILE; repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        var dipperd = new Option<string>("--dipperd")
        {
            Description = "Command that runs dipperd on the appliance",
            DefaultValueFactory = _ => "dipperd",
        };
        var reload = new Option<ServiceReloadMode?>("--reload")
        {
            Description = "Restart dipperd after the switch: auto, always, never (default: auto over SSH, never for a folder)",
        };
        var noLocalCheck = new Option<bool>("--no-local-check")
        {
            Description = "Skip validating the package here (the appliance validates it anyway)",
        };
        var command = new Command("flash", "Validate a model package and activate it on an appliance or models folder")
        {
            package, to, identity, sshOptions, dipperd, reload, noLocalCheck,
        };
        command.SetAction(result =>
        {
            FlashTarget target;
            try
            {
                target = FlashTarget.Parse(result.GetValue(to)!);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"dipper flash: {e.Message}");
                return Basecaller.CommandLine.CommandLineRunner.UsageError;
            }
            var flasher = new ModelFlasher(Console.Out, Console.Error)
            {
                RemoteDipperd = result.GetValue(dipperd)!,
                Reload = result.GetValue(reload),
                ValidateLocally = !result.GetValue(noLocalCheck),
                Ssh = new SshSettings
                {
                    IdentityFile = result.GetValue(identity),
                    Options = result.GetValue(sshOptions) ?? [],
                },
            };
            return flasher.Flash(result.GetValue(package)!, target);
        });
        return command;
    }
}
