using Dipper.Basecaller.Models;

namespace Dipper.Compiler.Flash;

/// <summary>Where <c>dipper flash</c> sends a package: an appliance over SSH, or a models root folder.</summary>
public abstract record FlashTarget
{
    /// <summary>
    /// Reads <c>ssh://[user@]host[:port][/models/root]</c> or a folder path. The SSH form's path is the
    /// appliance's models root (default <see cref="ModelActivationOptions.DefaultModelsRoot"/>).
    /// </summary>
    /// <exception cref="FormatException">An ssh:// address that does not parse, or has a query or password.</exception>
    public static FlashTarget Parse(string text)
    {
        if (!text.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase))
            return new FolderTarget(Path.GetFullPath(text));
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException($"'{text}' is not an ssh://[user@]host[:port][/models/root] address");
        if (uri.UserInfo.Contains(':'))
            throw new FormatException($"'{text}': passwords do not belong in the address; use a key (--identity)");
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            throw new FormatException($"'{text}': an ssh:// address takes no query or fragment");
        var path = Uri.UnescapeDataString(uri.AbsolutePath);
        var root = path is "" or "/" ? ModelActivationOptions.DefaultModelsRoot : path.TrimEnd('/');
        return new SshTarget(
            string.IsNullOrEmpty(uri.UserInfo) ? null : Uri.UnescapeDataString(uri.UserInfo),
            uri.Host,
            uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port,
            root);
    }
}

/// <summary>An appliance reached with the system's OpenSSH client.</summary>
/// <param name="User">Login name, or null for ssh's default.</param>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">Port, or null for ssh's default.</param>
/// <param name="ModelsRoot">The appliance's models root (absolute path on the appliance).</param>
public sealed record SshTarget(string? User, string Host, int? Port, string ModelsRoot) : FlashTarget
{
    /// <summary>The <c>[user@]host</c> argument for ssh and scp (IPv6 literals in brackets for scp).</summary>
    public string Destination => User is null ? Host : $"{User}@{Host}";
}

/// <summary>A models root reached through the file system: a mounted SD card, or this machine's own appliance folder.</summary>
/// <param name="ModelsRoot">Absolute path of the models root.</param>
public sealed record FolderTarget(string ModelsRoot) : FlashTarget;
