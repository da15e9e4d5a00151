namespace Dipper.Tpu.Native;

/// <summary>
/// The outcome of looking for one native library: the candidate that loaded, or every place tried, so a
/// "library not found" message can say exactly where it looked.
/// </summary>
/// <param name="Library">The library's file name (e.g. <c>libedgetpu.so.1</c>).</param>
/// <param name="LoadedFrom">The path or soname that loaded; null when none did.</param>
/// <param name="Tried">Every candidate tried, in order, with the loader's reason for each failure.</param>
public sealed record NativeLibraryLocation(string Library, string? LoadedFrom, IReadOnlyList<string> Tried)
{
    /// <summary>True when a candidate loaded.</summary>
    public bool Found => LoadedFrom is not null;
}
