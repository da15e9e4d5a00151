using Dipper.Basecaller.Native;

namespace Dipper.Basecaller.Output;

/// <summary>
/// Flushes a folder's entries to disk. A rename is durable only once the folder that holds it is: without
/// this, a power cut just after the rename can bring the old name back, and .NET cannot open a folder as a
/// file, so this goes to the C library (open, fsync, close) through <see cref="LibCNative"/>.
/// </summary>
public static class DirectorySync
{
    /// <summary>Makes the entries of <paramref name="folder"/> durable (no-op off Linux).</summary>
    /// <exception cref="IOException">The folder could not be opened or flushed.</exception>
    public static void Flush(string folder)
    {
        if (!OperatingSystem.IsLinux()) return;
        LibCNative.SyncDirectory(folder);
    }
}
