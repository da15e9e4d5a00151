namespace Dipper.Device.Service;

/// <summary>
/// Looks at a folder's file system: its free space and whether it takes a write. The service asks it before
/// calling again after a write failed; tests give their own to play a disk that fills and empties.
/// </summary>
public interface IStorageProbe
{
    /// <summary>Free and total bytes of the file system holding <paramref name="folder"/>; nulls when it is gone.</summary>
    (long? Available, long? Total) Space(string folder);

    /// <summary>True when a file can be created in <paramref name="folder"/> (it exists, and is neither read-only nor refusing).</summary>
    bool CanWrite(string folder);
}
