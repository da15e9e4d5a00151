namespace Dipper.Basecaller.Signal;

/// <summary>
/// The one entry point for opening raw-signal files. The format is chosen from the file's first
/// bytes, because sequencer output is routinely renamed, copied without extensions, or (FAST5 vs
/// BLOW5) mislabelled by hand.
/// </summary>
public static class SignalFile
{
    private static ReadOnlySpan<byte> Pod5Signature => [0x8B, 0x50, 0x4F, 0x44, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> Hdf5Signature => [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> Blow5Signature => "BLOW5\u0001"u8;
    private static ReadOnlySpan<byte> Slow5Signature => "#slow5_version"u8;

    /// <summary>Recognises a format from the first bytes of a file (at least 14 bytes are needed for SLOW5).</summary>
    public static SignalFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(Pod5Signature)) return SignalFormat.Pod5;
        if (head.StartsWith(Hdf5Signature)) return SignalFormat.Fast5;
        if (head.StartsWith(Blow5Signature)) return SignalFormat.Blow5;
        if (head.StartsWith(Slow5Signature)) return SignalFormat.Slow5;
        return SignalFormat.Unknown;
    }

    /// <summary>Reads the first bytes of <paramref name="path"/> and recognises its format.</summary>
    public static SignalFormat Detect(string path)
    {
        Span<byte> head = stackalloc byte[16];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return Detect(head[..n]);
    }

    /// <summary>
    /// Opens a signal file with the reader its content calls for.
    /// </summary>
    /// <exception cref="SignalFormatException">The file is not a signal file Dipper recognises.</exception>
    public static ISignalReader Open(string path)
    {
        var format = Detect(path);
        return format switch
        {
            SignalFormat.Pod5 => new Pod5Reader(path),
            SignalFormat.Fast5 => new Fast5Reader(path),
            SignalFormat.Blow5 => new Blow5Reader(path),
            SignalFormat.Slow5 => new Slow5Reader(path),
            _ => throw new SignalFormatException(path, "not a POD5, FAST5, SLOW5 or BLOW5 file (unrecognised first bytes)", 0),
        };
    }

    /// <summary>
    /// Every signal file under the given files and folders, folders searched recursively, in a
    /// stable (ordinal path) order. Files whose content is not a signal format are left out, so a
    /// MinKNOW run folder with its reports and logs can be passed as it is.
    /// </summary>
    /// <exception cref="FileNotFoundException">An input names neither a file nor a folder.</exception>
    public static IEnumerable<string> Find(IEnumerable<string> inputs)
    {
        foreach (var input in inputs)
        {
            if (File.Exists(input))
            {
                // A file named explicitly is always returned: opening it reports a clear error if it is not signal.
                yield return input;
            }
            else if (Directory.Exists(input))
            {
                var files = Directory.EnumerateFiles(input, "*", new EnumerationOptions
                {
                    RecurseSubdirectories = true,
                    IgnoreInaccessible = true,
                    AttributesToSkip = FileAttributes.Hidden,
                }).Order(StringComparer.Ordinal);
                foreach (var file in files)
                {
                    SignalFormat format;
                    try { format = Detect(file); }
                    catch (IOException) { continue; }
                    catch (UnauthorizedAccessException) { continue; }
                    if (format != SignalFormat.Unknown) yield return file;
                }
            }
            else
            {
                throw new FileNotFoundException($"{input}: no such file or folder", input);
            }
        }
    }
}
