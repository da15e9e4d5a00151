using System.IO.Compression;

namespace Dipper.Packaging.CallComparison;

/// <summary>One called read of a FASTQ file: its id (the header's first word), bases and qualities.</summary>
internal sealed record FastqRecord(string ReadId, string Bases, string Qualities)
{
    /// <summary>
    /// The reads of <paramref name="path"/> (gzip when it ends in .gz) by read id. A file that is not four-line
    /// FASTQ, or names a read twice, is refused with where: a comparison over a damaged file would mean nothing.
    /// </summary>
    public static Dictionary<string, FastqRecord> ReadAll(string path)
    {
        using Stream file = File.OpenRead(path);
        using var text = new StreamReader(path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file);
        var reads = new Dictionary<string, FastqRecord>(StringComparer.Ordinal);
        var line = 0;
        while (text.ReadLine() is { } header)
        {
            line++;
            if (header.Length == 0 && text.Peek() < 0) break;
            var bases = text.ReadLine();
            var plus = text.ReadLine();
            var qualities = text.ReadLine();
            if (!header.StartsWith('@') || bases is null || plus is null || !plus.StartsWith('+') || qualities is null)
                throw new InvalidDataException($"{path}: line {line} does not start a four-line FASTQ record");
            if (qualities.Length != bases.Length)
                throw new InvalidDataException($"{path}: line {line + 3} has {qualities.Length} qualities for {bases.Length} bases");
            var id = header[1..].Split(' ', 2)[0];
            if (!reads.TryAdd(id, new FastqRecord(id, bases, qualities)))
                throw new InvalidDataException($"{path}: read {id} appears twice (line {line})");
            line += 3;
        }
        return reads;
    }
}
