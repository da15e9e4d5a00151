using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Dipper.Compiler.Tests.Flash;

/// <summary>
/// A real OpenSSH server (Debian's openssh-server) on 127.0.0.1 and a free port, with a throw-away
/// host key and user key in a temporary folder. It lets the current user log in with that key
/// only; the client side trusts exactly that host key (StrictHostKeyChecking=yes).
/// </summary>
public sealed class SshServer : IDisposable
{
    public const string SshdPath = "/usr/sbin/sshd";

    private readonly Process _sshd;

    public SshServer()
    {
        Folder = Directory.CreateTempSubdirectory("dipper-sshd-").FullName;
        Keygen("host_key");
        Keygen("user_key");
        File.Copy(UserKey + ".pub", Path.Combine(Folder, "authorized_keys"));
        Port = FreePort();
        File.WriteAllText(KnownHosts, $"[127.0.0.1]:{Port} {File.ReadAllText(Path.Combine(Folder, "host_key.pub")).Trim()}\n");
        File.WriteAllText(Path.Combine(Folder, "empty_known_hosts"), "");
        var config = Path.Combine(Folder, "sshd_config");
        File.WriteAllText(config, $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Folder}/host_key
            PidFile {Folder}/sshd.pid
            AuthorizedKeysFile {Folder}/authorized_keys
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            StrictModes no
            UsePAM no
            Subsystem sftp internal-sftp
            """);
        // sshd refuses to start without its privilege-separation folder (normally made by the init script).
        if (Environment.UserName == "root") Directory.CreateDirectory("/run/sshd");
        var check = Run(SshdPath, "-t", "-f", config);
        if (check.ExitCode != 0) throw new InvalidOperationException($"sshd config rejected: {check.Errors}");

        var start = new ProcessStartInfo(SshdPath) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-D", "-e", "-f", config }) start.ArgumentList.Add(a);
        _sshd = Process.Start(start)!;
        _sshd.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Log) Log.Add(e.Data); };
        _sshd.BeginErrorReadLine();
        _sshd.BeginOutputReadLine();
        WaitForPort();
    }

    public string Folder { get; }

    public int Port { get; }

    public string UserKey => Path.Combine(Folder, "user_key");

    public string KnownHosts => Path.Combine(Folder, "known_hosts");

    public List<string> Log { get; } = [];

    /// <summary>ssh://user@127.0.0.1:port/path</summary>
    public string Url(string modelsRoot) => $"ssh://{Environment.UserName}@127.0.0.1:{Port}{modelsRoot}";

    /// <summary>Client options that trust only this server's host key and use only the test key.</summary>
    public IReadOnlyList<string> ClientOptions(bool trustHostKey = true) =>
    [
        $"UserKnownHostsFile={(trustHostKey ? KnownHosts : Path.Combine(Folder, "empty_known_hosts"))}",
        "StrictHostKeyChecking=yes",
        "IdentitiesOnly=yes",
        "GlobalKnownHostsFile=/dev/null",
        "ConnectTimeout=10",
    ];

    private void Keygen(string name)
    {
        var result = Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dipper-test", "-f", Path.Combine(Folder, name));
        if (result.ExitCode != 0) throw new InvalidOperationException($"ssh-keygen failed: {result.Errors}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void WaitForPort()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_sshd.HasExited)
                throw new InvalidOperationException($"sshd exited with {_sshd.ExitCode}: {string.Join('\n', Log)}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"sshd did not listen on {Port}");
    }

    private static (int ExitCode, string Errors) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, errors.Result);
    }

    public void Dispose()
    {
        if (!_sshd.HasExited)
        {
            _sshd.Kill(entireProcessTree: true);
            _sshd.WaitForExit();
        }
        _sshd.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
