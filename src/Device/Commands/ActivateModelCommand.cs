using System.CommandLine;
using Dipper.Basecaller.Models;
using Dipper.Tpu.Models;

namespace Dipper.Device.Commands;

/// <summary>
/// <c>dipperd activate-model PACKAGE_DIR [--models-root DIR] [--reload auto|always|never]</c>: the
/// appliance side of <c>dipper flash</c>. Validates a model package (manifest, checksums, a test
/// inference), stores it as a version under the models root and switches <c>active</c> to it
/// atomically, then restarts dipperd. A refused package leaves the running model in place.
/// Exit codes: 0 activated, 1 refused or failed (nothing changed), 2 bad usage,
/// 3 activated but the service could not be reloaded.
/// </summary>
public static class ActivateModelCommand
{
    /// <summary>Exit code when the model is active on disk but dipperd was not restarted.</summary>
    public const int ReloadFailed = 3;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var package = new Argument<string>("package") { Description = "Model package folder (manifest.json + model files)" };
        var root = new Option<string>("--models-root")
        {
            Description = $"Models root holding the versions and the 'active' symlink (default {ModelActivationOptions.DefaultModelsRoot})",
            DefaultValueFactory = _ => ModelActivationOptions.DefaultModelsRoot,
        };
        var reload = new Option<ServiceReloadMode>("--reload")
        {
            Description = "Restart dipperd afterwards: auto (when systemd is running), always, never",
            DefaultValueFactory = _ => ServiceReloadMode.Auto,
        };
        var command = new Command("activate-model", "Validate a model package and make it the active model atomically")
        {
            package,
            root,
            reload,
        };
        command.SetAction(result => Run(
            result.GetValue(package)!,
            new ModelActivationOptions { ModelsRoot = result.GetValue(root)!, Reload = result.GetValue(reload) },
            Console.Out, Console.Error));
        return command;
    }

    /// <summary>Activates the package; returns the exit code.</summary>
    public static int Run(string packageDirectory, ModelActivationOptions options, TextWriter output, TextWriter errors)
    {
        ModelActivation activation;
        try
        {
            activation = new ModelStore(options, new TfliteTestInference()).Activate(packageDirectory);
        }
        catch (ModelPackageRejectedException e)
        {
            errors.WriteLine($"dipperd activate-model: {e.Message}; the active model is unchanged");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"dipperd activate-model: {e.Message}; the active model is unchanged");
            return 1;
        }
        output.WriteLine($"dipperd activate-model: {activation.Manifest.Name} is active as {activation.VersionDirectory}" +
            (activation.AlreadyPresent ? " (already stored, reused)" : "") +
            (activation.PreviousTarget is { } previous ? $"; previously {previous}" : ""));
        try
        {
            if (ServiceReloader.Reload(options) is { } note) output.WriteLine($"dipperd activate-model: {note}");
        }
        catch (IOException e)
        {
            errors.WriteLine($"dipperd activate-model: the model is active but dipperd was not restarted: {e.Message}");
            return ReloadFailed;
        }
        return 0;
    }
}
