namespace Dipper.Basecaller.Output;

/// <summary>
/// The last steps that make an output whole, in the one order that survives a crash or a power cut at any
/// moment: its data flushed to disk (<c>fsync</c>), then the rename from <c>NAME.partial</c> to <c>NAME</c>
/// (replacing an older file in one step), then the folder flushed so the new name is on disk too. Every
/// output format commits through here; the text writers flush their own open stream first.
/// </summary>
public static class FileCommit
{
    /// <summary>What an output's name carries while it is written; such files are unfinished by definition.</summary>
    public const string TemporarySuffix = ".partial";

    /// <summary>Flushes a closed file's data to disk (for files a native library wrote and closed).</summary>
    /// <exception cref="IOException">The file could not be opened or flushed.</exception>
    public static void FlushToDisk(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Renames the flushed <paramref name="temporary"/> over <paramref name="path"/> and flushes the folder.</summary>
    /// <exception cref="IOException">The rename or the folder's flush failed.</exception>
    public static void Rename(string temporary, string path)
    {
        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(System.IO.Path.GetDirectoryName(path)!);
    }
}
