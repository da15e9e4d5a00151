using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Dipper.Basecaller.Output;

/// <summary>
/// Flushes a folder's entries to disk. A rename is durable only once the folder that holds it is: without
/// this, a power cut just after the rename can bring the old name back, and .NET cannot open a folder as a
/// file, so this goes to the C library (open, fsync, close).
/// </summary>
public static partial class DirectorySync
{
    private const string LibC = "libc.so.6";
    private const int ReadOnly = 0;

    /// <summary>Makes the entries of <paramref name="folder"/> durable (no-op off Linux).</summary>
    /// <exception cref="IOException">The folder could not be opened or flushed.</exception>
    public static void Flush(string folder)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = Open(folder, ReadOnly);
        if (fd < 0) throw Failure("open", folder);
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Fsync(handle) != 0) throw Failure("fsync", folder);
    }

    private static IOException Failure(string call, string folder) =>
        new($"{call} of folder {folder} failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");

    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport(LibC, EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(SafeFileHandle fd);
}
