using System.Diagnostics;

namespace Dipper.Device.Tests.Service;

/// <summary>
/// A test that needs a small tmpfs of its own (a real full disk): skipped, saying why, where mounting is not
/// allowed (not root, or a container without CAP_SYS_ADMIN). The same behaviour is tested without a mount
/// through <see cref="StorageGuardTests"/> and a vanished output folder.
/// </summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> WhyNot = new(Probe);

    public TmpfsFactAttribute()
    {
        if (WhyNot.Value is { } reason) Skip = reason;
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "tmpfs is Linux's";
        var folder = Directory.CreateTempSubdirectory("dipper-tmpfs-probe-").FullName;
        try
        {
            if (!Tmpfs.TryMount(folder, "64k", out var error)) return $"cannot mount a tmpfs here ({error})";
            Tmpfs.Unmount(folder);
            return null;
        }
        finally
        {
            Directory.Delete(folder);
        }
    }
}

/// <summary>mount(8) and umount(8) for a test's own tmpfs.</summary>
internal static class Tmpfs
{
    public static bool TryMount(string folder, string size, out string error) => Run(out error, "mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", folder);

    public static void Resize(string folder, string size)
    {
        if (!Run(out var error, "mount", "-o", $"remount,size={size}", folder)) throw new InvalidOperationException($"remount of {folder} failed: {error}");
    }

    public static void Remount(string folder, string mode)
    {
        if (!Run(out var error, "mount", "-o", $"remount,{mode}", folder)) throw new InvalidOperationException($"remount {mode} of {folder} failed: {error}");
    }

    public static void Unmount(string folder) => Run(out _, "umount", "-l", folder);

    private static bool Run(out string error, string program, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in args) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            error = process.StandardError.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error = e.Message;
            return false;
        }
    }
}
