using Microsoft.Data.Sqlite;

namespace Dipper.Device.Service;

/// <summary>
/// Why a write to the output or state folder failed, told apart from the exception, so the service can pause
/// until the cause is gone instead of calling the same files again at once.
/// </summary>
/// <param name="Condition">Full, unavailable or failing.</param>
/// <param name="Folder">The folder written to (the output or state folder).</param>
/// <param name="Message">What happened, for the log and the status page.</param>
/// <param name="BytesNeeded">For a full disk: free space below this cannot take the file that failed (what it had written).</param>
public sealed record StorageFault(StorageCondition Condition, string Folder, string Message, long BytesNeeded = 0)
{
    // errno values as .NET hands them over in IOException.HResult on Linux for errors it has no exception type for.
    private const int NoSpace = 28, ReadOnlyFileSystem = 30, QuotaExceeded = 122, InputOutput = 5, NoDevice = 19, NoSuchDevice = 6;

    // SQLite's primary result codes.
    private const int SqliteFull = 13, SqliteReadOnly = 8, SqliteIoError = 10, SqliteCannotOpen = 14;

    /// <summary>The cause of <paramref name="error"/>, a failed write into <paramref name="folder"/>.</summary>
    /// <param name="error">What the write threw.</param>
    /// <param name="folder">The folder written to.</param>
    /// <param name="bytesWritten">How much the file had written when it failed (0 when unknown).</param>
    public static StorageFault From(Exception error, string folder, long bytesWritten = 0)
    {
        var condition = error switch
        {
            IOException { HResult: NoSpace or QuotaExceeded } => StorageCondition.Full,
            SqliteException { SqliteErrorCode: SqliteFull } => StorageCondition.Full,
            IOException { HResult: ReadOnlyFileSystem or NoDevice or NoSuchDevice } => StorageCondition.Unavailable,
            DirectoryNotFoundException or FileNotFoundException or UnauthorizedAccessException => StorageCondition.Unavailable,
            SqliteException { SqliteErrorCode: SqliteReadOnly or SqliteCannotOpen } => StorageCondition.Unavailable,
            IOException { HResult: InputOutput } => StorageCondition.Failing,
            SqliteException { SqliteErrorCode: SqliteIoError } => StorageCondition.Failing,
            _ => StorageCondition.Failing,
        };
        var what = condition switch
        {
            StorageCondition.Full => $"{folder} is full",
            StorageCondition.Unavailable => $"{folder} is read-only or gone",
            _ => $"writing to {folder} failed",
        };
        return new StorageFault(condition, folder, $"{what} ({error.Message})", condition == StorageCondition.Full ? bytesWritten : 0);
    }

    /// <summary>The output folder is gone (e.g. its USB disk was pulled); it is not created again, so nothing lands on the disk beneath.</summary>
    public static StorageFault Missing(string folder) =>
        new(StorageCondition.Unavailable, folder, $"{folder} is read-only or gone (it does not exist)");

    /// <summary>One name per cause, so the status page lists each cause once with a count.</summary>
    public string Cause => $"{Condition}: {Folder}";
}
