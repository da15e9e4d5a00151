namespace Dipper.Compiler.Flash;

/// <summary>
/// How to reach an appliance with the system's ssh and scp. Everything else (jump hosts, key agents,
/// known hosts) comes from the user's ssh configuration, as with any other ssh use.
/// </summary>
public sealed class SshSettings
{
    /// <summary>Private key file (<c>ssh -i</c>), or null for ssh's defaults and agent.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>Extra <c>-o Key=Value</c> options for both ssh and scp, e.g. <c>UserKnownHostsFile=…</c>.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>How long to wait for any one ssh or scp step.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
