namespace Dipper.Device.Service;

/// <summary>Room on the file system that holds a folder, as the status page shows it.</summary>
/// <param name="Role">output or state.</param>
/// <param name="Folder">The folder.</param>
/// <param name="AvailableBytes">Free to this process; null when the folder is gone.</param>
/// <param name="TotalBytes">Size of its file system; null when the folder is gone.</param>
public sealed record FolderSpace(string Role, string Folder, long? AvailableBytes, long? TotalBytes);
