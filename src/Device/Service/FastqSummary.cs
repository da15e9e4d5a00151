using System.IO.Compression;
using Dipper.Device.Journal;

namespace Dipper.Device.Service;

/// <summary>Reads the read ids and lengths back from a FASTQ.gz the service wrote, to journal an output whose commit was lost.</summary>
public static class FastqSummary
{
    /// <summary>The reads of a whole FASTQ.gz (samples unknown: 0).</summary>
    /// <exception cref="InvalidDataException">Not a whole FASTQ.gz (bad gzip, a record cut short).</exception>
    public static IReadOnlyList<ReadDone> Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var text = new StreamReader(gzip);
        var reads = new List<ReadDone>();
        while (text.ReadLine() is { } header)
        {
            var bases = text.ReadLine();
            var plus = text.ReadLine();
            var qualities = text.ReadLine();
            if (!header.StartsWith('@') || bases is null || plus != "+" || qualities is null || qualities.Length != bases.Length)
                throw new InvalidDataException($"{path}: FASTQ record {reads.Count + 1} is malformed or cut short");
            var space = header.IndexOf(' ');
            reads.Add(new ReadDone(space < 0 ? header[1..] : header[1..space], 0, bases.Length));
        }
        return reads;
    }
}
