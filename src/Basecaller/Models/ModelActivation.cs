namespace Dipper.Basecaller.Models;

/// <summary>What an activation did, for the command's report.</summary>
/// <param name="Version">Name of the version folder now active (model name plus a hash of its manifest).</param>
/// <param name="VersionDirectory">Absolute path of that folder.</param>
/// <param name="PreviousTarget">Where <c>active</c> pointed before, or null when there was no active model.</param>
/// <param name="AlreadyPresent">True when an identical package was already stored and was reused.</param>
/// <param name="Manifest">The activated package's manifest.</param>
public sealed record ModelActivation(
    string Version,
    string VersionDirectory,
    string? PreviousTarget,
    bool AlreadyPresent,
    ModelManifest Manifest);
