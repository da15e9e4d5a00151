using Dipper.Basecaller.Models;
using Dipper.Compiler.Flash;

namespace Dipper.Compiler.Tests.Flash;

/// <summary>
/// dipper flash against a real sshd on 127.0.0.1. The appliance side is the real dipperd
/// (activate-model) run by sshd, on a temporary models root.
/// </summary>
public sealed class SshFlashTests : IDisposable
{
    private readonly Lazy<SshServer> _server = new(() => new SshServer());
    private readonly FlashFolders _folders = new();

    public void Dispose()
    {
        if (_server.IsValueCreated) _server.Value.Dispose();
        _folders.Dispose();
    }

    private SshServer Server => _server.Value;

    /// <summary>Runs the dipperd built beside the tests, with the dotnet host running the tests (sshd's PATH may lack it).</summary>
    private static string RemoteDipperd =>
        $"{ShellQuoting.Quote(DotnetHost())} {ShellQuoting.Quote(Path.Combine(AppContext.BaseDirectory, "appliance", "dipperd.dll"))}";

    private static string DotnetHost()
    {
        // The test host is started by the dotnet muxer, which also tells child processes where it is.
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host) return host;
        var self = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private (int Code, string Output, string Errors) FlashInProcess(string package, bool validateLocally = true, bool trustHostKey = true)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var flasher = new ModelFlasher(output, errors)
        {
            RemoteDipperd = RemoteDipperd,
            Reload = ServiceReloadMode.Never,
            ValidateLocally = validateLocally,
            Ssh = new SshSettings { IdentityFile = Server.UserKey, Options = Server.ClientOptions(trustHostKey) },
        };
        var code = flasher.Flash(package, FlashTarget.Parse(Server.Url(_folders.ModelsRoot)));
        return (code, output.ToString(), errors.ToString());
    }

    private void AssertNoUploadLeft() =>
        Assert.DoesNotContain(Directory.Exists(_folders.ModelsRoot) ? Directory.EnumerateFileSystemEntries(_folders.ModelsRoot) : [],
            e => Path.GetFileName(e).StartsWith(".upload-", StringComparison.Ordinal));

    [SshdFact]
    public void Dipper_flash_over_ssh_activates_the_package_on_the_appliance()
    {
        var args = new List<string> { "flash", FlashFolders.CommittedPackage, "--to", Server.Url(_folders.ModelsRoot),
            "--identity", Server.UserKey, "--dipperd", RemoteDipperd, "--reload", "never" };
        foreach (var option in Server.ClientOptions()) args.AddRange(["--ssh-option", option]);

        var result = ToolProcess.Run([.. args]);

        Assert.True(result.ExitCode == 0, $"{result.Errors}\n{string.Join('\n', Server.Log)}");
        Assert.Contains("sbonito_80_bb_swish is active", result.Output);
        _folders.AssertActiveIsTheCommittedPackage();
        AssertNoUploadLeft();
    }

    [SshdFact]
    public void Corrupted_package_is_refused_by_the_appliance_and_active_is_unchanged()
    {
        Assert.Equal(0, FlashInProcess(FlashFolders.CommittedPackage).Code);
        var before = _folders.Snapshot();

        // Skip the laptop-side check so the corrupted bytes really reach the appliance.
        var (code, _, errors) = FlashInProcess(_folders.CorruptedPackage(), validateLocally: false);

        Assert.Equal(1, code);
        Assert.Contains("model.onnx: SHA-256", errors);
        Assert.Contains("active model is unchanged", errors);
        Assert.Equal(before, _folders.Snapshot());
        _folders.AssertActiveIsTheCommittedPackage();
        AssertNoUploadLeft();
    }

    [SshdFact]
    public void Corrupted_package_is_refused_before_anything_is_sent()
    {
        var (code, _, errors) = FlashInProcess(_folders.CorruptedPackage());
        Assert.Equal(1, code);
        Assert.Contains("nothing was sent", errors);
        Assert.False(Directory.Exists(_folders.ModelsRoot));
    }

    [SshdFact]
    public void Appliance_with_an_unknown_host_key_gets_nothing()
    {
        var (code, _, errors) = FlashInProcess(FlashFolders.CommittedPackage, trustHostKey: false);
        Assert.Equal(1, code);
        Assert.Contains("Host key verification failed", errors);
        Assert.False(Directory.Exists(_folders.ModelsRoot));
    }
}
