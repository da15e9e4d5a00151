namespace Dipper.Compiler.Tests.Flash;

/// <summary>A test that needs Debian's openssh-server; skipped with the reason when sshd is not installed (.ci/run installs it).</summary>
public sealed class SshdFactAttribute : FactAttribute
{
    public SshdFactAttribute()
    {
        if (!File.Exists(SshServer.SshdPath))
            Skip = $"{SshServer.SshdPath} is not installed (apt-get install openssh-server openssh-client)";
    }
}
