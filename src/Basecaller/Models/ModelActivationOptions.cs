namespace Dipper.Basecaller.Models;

/// <summary>
/// Where the appliance keeps its model packages and how a new one is switched in. Set from the command
/// lines of <c>dipperd activate-model</c> (<c>--models-root</c>, <c>--reload</c>) and <c>dipper flash</c>; no
/// configuration file is read for it (the shipped dipperd.json has no <c>Models</c> section: it would be read by no one).
/// </summary>
public sealed class ModelActivationOptions
{
    /// <summary>Default models root on the appliance (writable state, unlike /usr).</summary>
    public const string DefaultModelsRoot = "/var/lib/dipper/models";

    /// <summary>Name of the symlink that points at the active package; dipperd loads <c>ModelsRoot/active</c>.</summary>
    public const string ActiveLinkName = "active";

    /// <summary>The models root: versioned package folders plus the <c>active</c> symlink.</summary>
    public string ModelsRoot { get; set; } = DefaultModelsRoot;

    /// <summary>Whether to restart dipperd after a switch.</summary>
    public ServiceReloadMode Reload { get; set; } = ServiceReloadMode.Auto;

    /// <summary>Command that makes the running service pick up the new model.</summary>
    public string ReloadCommand { get; set; } = "systemctl reload-or-restart dipperd.service";

    /// <summary>How many package versions to keep besides the active one, so a flash can be undone by hand; older ones are deleted.</summary>
    public int KeepPreviousVersions { get; set; } = 2;

    /// <summary>Path of the active-model symlink.</summary>
    public string ActiveLink => Path.Combine(ModelsRoot, ActiveLinkName);
}
