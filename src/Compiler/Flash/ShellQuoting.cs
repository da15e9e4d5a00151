namespace Dipper.Compiler.Flash;

/// <summary>
/// Quotes words for the POSIX shell that sshd runs the remote command in. ssh joins its arguments
/// into one string, so a path with a space or a quote would otherwise be split or reinterpreted.
/// </summary>
public static class ShellQuoting
{
    /// <summary>The word in single quotes, with embedded single quotes closed, escaped and reopened.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";
}
