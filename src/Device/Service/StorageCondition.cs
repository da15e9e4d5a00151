namespace Dipper.Device.Service;

/// <summary>Whether the output and state folders can take what the service writes.</summary>
public enum StorageCondition
{
    /// <summary>Both folders take writes.</summary>
    Writable,

    /// <summary>A folder's file system has no room left (or the user's quota is used up).</summary>
    Full,

    /// <summary>A folder is read-only, gone (a USB disk pulled) or refuses writes.</summary>
    Unavailable,

    /// <summary>Writing failed for another reason (an I/O error, a journal that cannot commit).</summary>
    Failing,
}
