using Dipper.Basecaller.Models;
using Dipper.Tpu.Models;

namespace Dipper.Compiler.Flash;

/// <summary>
/// Sends a model package to an appliance and has it activated there. The package is first validated
/// here (so a broken build is caught before anything is sent), then: for an SSH target it is copied
/// with scp into an upload folder under the appliance's models root and <c>dipperd activate-model</c>
/// runs there, which validates again, switches <c>active</c> atomically and restarts dipperd; for a
/// folder target the same activation code runs locally on the folder. Either way a refused package
/// leaves the active model as it was.
/// </summary>
public sealed class ModelFlasher(TextWriter output, TextWriter errors)
{
    /// <summary>Exit code: activated.</summary>
    public const int Activated = 0;

    /// <summary>Exit code: refused or failed; the active model is unchanged.</summary>
    public const int Refused = 1;

    /// <summary>Exit code: activated, but dipperd could not be restarted.</summary>
    public const int ReloadFailed = 3;

    /// <summary>Remote program that activates a package; a command prefix such as <c>dotnet /opt/dipperd.dll</c> is allowed.</summary>
    public string RemoteDipperd { get; init; } = "dipperd";

    /// <summary>Reload mode; null for the target's default (auto over SSH, never for a folder).</summary>
    public ServiceReloadMode? Reload { get; init; }

    /// <summary>False to skip the local validation and rely on the appliance's (which always runs).</summary>
    public bool ValidateLocally { get; init; } = true;

    /// <summary>How to reach SSH targets.</summary>
    public SshSettings Ssh { get; init; } = new();

    /// <summary>Flashes <paramref name="packageDirectory"/> to <paramref name="target"/>; returns the exit code.</summary>
    public int Flash(string packageDirectory, FlashTarget target)
    {
        var package = Path.GetFullPath(packageDirectory);
        if (ValidateLocally && target is SshTarget)
        {
            try
            {
                ModelPackageValidator.Validate(package, new TfliteTestInference());
            }
            catch (ModelPackageRejectedException e)
            {
                errors.WriteLine($"dipper flash: {e.Message}; nothing was sent");
                return Refused;
            }
        }
        return target switch
        {
            SshTarget ssh => FlashOverSsh(package, ssh),
            FolderTarget folder => FlashToFolder(package, folder),
            _ => throw new ArgumentOutOfRangeException(nameof(target)),
        };
    }

    private int FlashToFolder(string package, FolderTarget folder)
    {
        var options = new ModelActivationOptions { ModelsRoot = folder.ModelsRoot, Reload = Reload ?? ServiceReloadMode.Never };
        ModelActivation activation;
        try
        {
            activation = new ModelStore(options, new TfliteTestInference()).Activate(package);
        }
        catch (ModelPackageRejectedException e)
        {
            errors.WriteLine($"dipper flash: {e.Message}; the active model is unchanged");
            return Refused;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"dipper flash: {folder.ModelsRoot}: {e.Message}; the active model is unchanged");
            return Refused;
        }
        output.WriteLine($"dipper flash: {activation.Manifest.Name} is active in {folder.ModelsRoot} as {activation.Version}");
        try
        {
            if (ServiceReloader.Reload(options) is { } note) output.WriteLine($"dipper flash: {note}");
        }
        catch (IOException e)
        {
            errors.WriteLine($"dipper flash: the model is active but dipperd was not restarted: {e.Message}");
            return ReloadFailed;
        }
        return Activated;
    }

    private int FlashOverSsh(string package, SshTarget target)
    {
        var client = new SshClient(target, Ssh);
        var upload = $"{target.ModelsRoot}/.upload-{Guid.NewGuid():N}";
        var uploadedPackage = $"{upload}/package";
        var quotedUpload = ShellQuoting.Quote(upload);
        try
        {
            var prepared = client.Run($"mkdir -p -- {quotedUpload}");
            if (prepared.ExitCode != 0)
                return Fail(target, "could not create the upload folder", prepared);

            var copied = client.UploadFolder(package, uploadedPackage);
            if (copied.ExitCode != 0)
            {
                client.Run($"rm -rf -- {quotedUpload}");
                return Fail(target, "copying the package failed", copied);
            }

            var reload = (Reload ?? ServiceReloadMode.Auto).ToString().ToLowerInvariant();
            // The upload folder goes whatever the outcome; the exit code is dipperd's.
            var activated = client.Run(
                $"{RemoteDipperd} activate-model {ShellQuoting.Quote(uploadedPackage)} --models-root {ShellQuoting.Quote(target.ModelsRoot)} --reload {reload}; " +
                $"status=$?; rm -rf -- {quotedUpload}; exit $status");
            output.Write(activated.Output);
            errors.Write(activated.Errors);
            return activated.ExitCode switch
            {
                0 => Activated,
                ReloadFailed => ReloadFailed,
                255 => Fail(target, "the connection failed during activation", activated with { Errors = "" }),
                _ => Refused,
            };
        }
        catch (IOException e)
        {
            errors.WriteLine($"dipper flash: {target.Destination}: {e.Message}; the active model is unchanged");
            return Refused;
        }
    }

    private int Fail(SshTarget target, string what, SshClient.Result result)
    {
        errors.WriteLine($"dipper flash: {target.Destination}: {what} (exit {result.ExitCode}): {result.Errors.Trim()}; the active model is unchanged");
        return Refused;
    }
}
