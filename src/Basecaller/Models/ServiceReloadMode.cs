namespace Dipper.Basecaller.Models;

/// <summary>Whether activating a model restarts the running dipperd so it picks the model up.</summary>
public enum ServiceReloadMode
{
    /// <summary>Reload when systemd is the running init (<c>/run/systemd/system</c> exists); skip in containers and chroots.</summary>
    Auto,

    /// <summary>Always run the reload command; a failure is reported.</summary>
    Always,

    /// <summary>Never reload (a mounted SD card, tests); the new model is used from the next start.</summary>
    Never,
}
