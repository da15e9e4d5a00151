namespace Dipper.Device.Service;

/// <summary>The real <see cref="IStorageProbe"/>: statfs through <see cref="DriveInfo"/>, and a try at creating a hidden file.</summary>
public sealed class FileSystemProbe : IStorageProbe
{
    /// <summary>Name of the file created and deleted to see whether a folder takes writes (hidden, so the watcher ignores it).</summary>
    public const string CheckFileName = ".dipperd-write-check";

    /// <inheritdoc />
    public (long? Available, long? Total) Space(string folder)
    {
        if (!Directory.Exists(folder)) return (null, null);
        try
        {
            // On Linux, DriveInfo takes any path and asks statfs about the file system holding it.
            var drive = new DriveInfo(folder);
            return (drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, null);
        }
    }

    /// <inheritdoc />
    public bool CanWrite(string folder)
    {
        if (!Directory.Exists(folder)) return false;
        var check = Path.Combine(folder, CheckFileName);
        try
        {
            using (File.Create(check, 1, FileOptions.None)) { }
            File.Delete(check);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
