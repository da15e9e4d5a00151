using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Dipper.Device.Flash;

/// <summary>
/// The two POSIX calls the atomic model switch needs and .NET does not expose as such: rename(2),
/// which replaces a symlink in one step without following it, and fsync(2) on a folder, which makes
/// a rename survive a power cut.
/// </summary>
internal static partial class Posix
{
    // O_RDONLY; O_DIRECTORY is left out because its value differs between x86-64 and arm64.
    private const int ReadOnly = 0;

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string from, string to);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(SafeFileHandle fd);

    /// <summary>Atomically renames <paramref name="from"/> to <paramref name="to"/>, replacing <paramref name="to"/> if it is a file or symlink.</summary>
    public static void Rename(string from, string to)
    {
        if (RenameNative(from, to) != 0)
            throw new IOException($"rename {from} → {to}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    /// <summary>Flushes a folder's entries to disk so renames and new files inside it are durable.</summary>
    public static void SyncDirectory(string path)
    {
        var fd = OpenNative(path, ReadOnly);
        if (fd < 0) throw new IOException($"open {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (FsyncNative(handle) != 0) throw new IOException($"fsync {path}: {Marshal.GetLastPInvokeErrorMessage()}");
    }
}
